#pragma once
// A sampler under test: a StepEngine with A fixed, driven one step at a time through the chains
// a test holds (it loads them when they did not come from its last step, and writes U back after
// each step), so that the statistical tests read like the equations: step, then look at U.
#include <cstdint>
#include <memory>
#include <optional>

#include "lsc/backend/step_engine.hpp"
#include "lsc/model/model.hpp"
#include "lsc/sampler/chain_state.hpp"

namespace lsc::test {

struct SamplerOptions {
  Real eps = 0.05;
  Real temperature = 1.0;
  bool metropolis = false;  // MALA instead of Euler-Maruyama
  bool dead_zone_jumps = false;
  std::optional<SamplerKind> kind;  // overrides `metropolis` (the kinetic samplers)
  bool precondition = true;         // the kinetic samplers' EngineOptions
  Real friction = 0.5;
  int leapfrog = 8;
};

class Sampler {
 public:
  Sampler(std::uint64_t seed, SamplerOptions options, Dtype dtype = Dtype::float64, Backend backend = Backend::cpu);
  void step(const Model& model, const Matrix& X, ChainState& chains);
  Real eps() const { return options_.eps; }
  Real last_acceptance() const { return engine_->stats().acceptance; }

 private:
  SamplerOptions options_;
  std::unique_ptr<StepEngine> engine_;
  const Model* model_ = nullptr;
  const Matrix* X_ = nullptr;
  const ChainState* chains_ = nullptr;
  std::uint64_t step_ = ~std::uint64_t{0};
};

}  // namespace lsc::test
