#pragma once
// Adam (Kingma & Ba 2015, Algorithm 1), which the SVAE is trained with (SVAE §4.3), minimizing:
//   m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²,
//   θ ← θ − lr · m̂ / (√v̂ + ε),   m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t),
// at step t = 1, 2, ...; the moments start at zero, and the bias corrections undo that start.
#include <cstdint>
#include <vector>

#include "lsc/nn/layer.hpp"

namespace lsc::nn {

struct AdamOptions {
  Real lr = 1e-4;  // SVAE §4.3; the other three are Adam's (and PyTorch's) defaults
  Real beta1 = 0.9;
  Real beta2 = 0.999;
  Real eps = 1e-8;
};

class Adam {
 public:
  // Zero moments, one pair per parameter tensor of the sizes in `params`.
  Adam(const std::vector<Param>& params, AdamOptions options);

  // One update of every parameter from its current gradient; params must be the same tensors, in
  // the same order, as at construction.
  void step(const std::vector<Param>& params);

  std::uint64_t t() const { return t_; }
  const AdamOptions& options() const { return options_; }
  // The whole optimizer state, for bit-exact checkpoints.
  const std::vector<Vector>& first_moments() const { return m_; }
  const std::vector<Vector>& second_moments() const { return v_; }
  // Replaces the state; the moment sizes must match the parameters'.
  void restore(std::uint64_t t, std::vector<Vector> m, std::vector<Vector> v);

 private:
  AdamOptions options_;
  std::uint64_t t_ = 0;
  std::vector<Vector> m_, v_;
};

}  // namespace lsc::nn
