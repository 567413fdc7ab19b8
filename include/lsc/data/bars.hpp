#pragma once
// The bars data set (Fig. 3; science.md "Measurements"): 8×8 images made of 8 vertical and
// 8 horizontal one-pixel lines, coefficients from the L0 prior of eq. 3.1, Gaussian noise.
#include <cstdint>

#include "lsc/data/batch_source.hpp"
#include "lsc/model/model.hpp"

namespace lsc {

struct BarsOptions {
  int size = 8;        // images are size×size, D = size², K = 2·size
  Real pixel = 0;      // value of a lit pixel; 0 means 1/√size, so every bar has unit norm
  Real lambda = 1.0;   // slab rate λ
  Real pi = 0.3;       // activation probability π
  Real sigma = 0.5;    // noise σ
  std::uint64_t seed = 0;

  Real pixel_value() const;
};

// The true dictionary, D×K: columns 0..size−1 vertical bars, size..2·size−1 horizontal bars.
// Pixel (r, c) of an image is entry r·size + c (C order, as a flattened 8×8 array).
Matrix bars_dictionary(int size, Real pixel);

// An endless stream of bars images: data point n is a pure function of (seed, n).
class BarsSource final : public BatchSource {
 public:
  explicit BarsSource(BarsOptions options);
  Index dim() const override { return static_cast<Index>(options_.size) * options_.size; }
  void batch(std::uint64_t index, Index n, Matrix& X) const override;
  void batch_columns(std::uint64_t index, Index total, Index first, Index n, Matrix& X) const override;
  // Data points first .. first+n−1: X (D×n), and their coefficients S (K×n) if S is given.
  void generate(std::uint64_t first, Index n, Matrix& X, Matrix* S = nullptr) const;
  const Matrix& dictionary() const { return A_; }
  const BarsOptions& options() const { return options_; }

 private:
  BarsOptions options_;
  Matrix A_;
};

}  // namespace lsc
