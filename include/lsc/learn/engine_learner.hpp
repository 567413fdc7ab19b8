#pragma once
// The simultaneous learner of LSC and L0-LSC with Euler-Maruyama coefficients (eq. 2.29-2.31,
// 3.9-3.13: the paper's dynamics) run by a StepEngine, so that the same learning runs in float32
// or float64, on the CPU or on a CUDA device (`lsc train --dtype ... --backend ...`). It follows
// SimultaneousLearner's schedule exactly — a batch held for τ_X steps, no dictionary learning in
// the first hold_burn_in steps of each hold — and takes the same step; what it leaves out
// (MALA, π/σ/λ learning, dead-zone jumps) is refused when the run is configured.
#include <memory>

#include "lsc/backend/step_engine.hpp"
#include "lsc/learn/learner.hpp"

namespace lsc {

class EngineLearner final : public Learner {
 public:
  EngineLearner(Model model, const BatchSource& source, LearnerOptions options, EngineOptions engine,
                std::uint64_t first_chain = 0);
  void step() override;
  StepStats stats() const override;
  const Matrix& coefficients() const override;
  Real coefficient_eps() const override { return eps_; }
  LearnerState state() const override;
  void restore(const LearnerState& state) override;
  const StepEngine& engine() const { return *engine_; }

 private:
  std::unique_ptr<StepEngine> engine_;
  Real eps_;
  bool has_batch_ = false;
  mutable Matrix S_;  // coefficients(), read from the engine on demand
};

}  // namespace lsc
