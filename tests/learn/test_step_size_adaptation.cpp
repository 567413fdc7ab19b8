// MALA step-size adaptation during the hold burn-in (sampler/step_size_adaptation.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "lsc/core/rng.hpp"
#include "lsc/data/batch_source.hpp"
#include "lsc/learn/learner.hpp"

namespace lsc {
namespace {

struct Problem {
  Model model;
  Matrix X;
};

// D = 16, K = 32, σ = 0.1: max eig(AᵀA)/σ² ≈ 580, so MALA at ε = 0.01 (ε·L ≈ 6) accepts almost
// nothing, while ε = 1e-4 accepts almost everything.
Problem stiff_problem() {
  Problem s;
  s.model.A = random_dictionary(16, 32, 3);
  s.model.sigma = 0.1;
  s.model.prior = Prior::make(PriorKind::l0, 1.0, 0.5);
  Philox rng(4);
  s.X.resize(16, 256);
  for (Index j = 0; j < s.X.cols(); ++j) rng.normals(Purpose::data, 0, static_cast<std::uint64_t>(j), s.X.col(j).data(), 16);
  return s;
}

// Runs `holds` holds of 400 steps (burn-in 200) with the dictionary effectively frozen, and
// returns the learner for inspection; the acceptance of each step is recorded by phase.
struct AdaptedRun {
  Real eps_end_of_burn_in = 0;   // ε after the last burn-in
  Real late_acceptance = 0;      // mean acceptance over the learning phase of the last hold
  bool eps_constant_while_learning = true;
};

AdaptedRun run_holds(const Problem& s, Real eps_max, Real target, int holds) {
  const ArraySource data(s.X, 5);
  LearnerOptions o;
  o.batch = 64;
  o.tau_A = 1e15;  // A stays put: this test is about the chains
  o.tau_x = 400;
  o.hold_burn_in = 200;
  EngineOptions e;
  e.dtype = Dtype::float64;
  e.sampler = SamplerKind::mala;
  e.seed = 6;
  e.eps = eps_max;
  e.adaptation = StepSizeAdaptation{target, 0.05, eps_max};
  SimultaneousLearner learner(s.model, data, o, e);
  AdaptedRun r;
  for (int t = 0; t < holds * 400; ++t) {
    const bool last_hold = t >= (holds - 1) * 400;
    const Real eps_before = learner.coefficient_eps();
    learner.step();
    if (t % 400 == 199) r.eps_end_of_burn_in = learner.coefficient_eps();
    if (t % 400 >= 200) {
      r.eps_constant_while_learning &= learner.coefficient_eps() == eps_before;
      if (last_hold)
        r.late_acceptance += learner.engine().stats().acceptance / 200.0;
    }
  }
  return r;
}

TEST(StepSizeAdaptation, ReachesTheTargetAcceptanceAndFreezesWhileLearning) {
  const Problem s = stiff_problem();
  const AdaptedRun r = run_holds(s, 0.01, 0.574, 3);
  EXPECT_LT(r.eps_end_of_burn_in, 0.01 / 2);  // well below the cap it started at
  // Tolerance: with gain γ = 0.05 and 64 chains the batch acceptance has variance ≤ 0.25/64,
  // so log ε fluctuates by sd ≈ √(γ·0.004/2) ≈ 0.01 around the target's ε, moving the
  // acceptance by < 0.01; the mean over 200 correlated steps of 64 chains has an SE below
  // 0.01. 0.05 is about four of those combined errors.
  EXPECT_NEAR(r.late_acceptance, 0.574, 0.05);
  EXPECT_TRUE(r.eps_constant_while_learning);
}

TEST(StepSizeAdaptation, NeverExceedsTheTimeScaleSet) {
  // At ε = 1e-4 MALA accepts nearly every proposal: the adaptation would like a larger ε but
  // 1/τ_u caps it, so the run is the same as without adaptation.
  const Problem s = stiff_problem();
  const AdaptedRun r = run_holds(s, 1e-4, 0.574, 1);
  EXPECT_EQ(r.eps_end_of_burn_in, 1e-4);
  EXPECT_GT(r.late_acceptance, 0.9);
}

TEST(StepSizeAdaptation, UpdateMovesLogEpsTowardTheTarget) {
  const StepSizeAdaptation a{0.5, 0.1, 1.0};
  EXPECT_DOUBLE_EQ(a.update(0.1, 0.5), 0.1);
  EXPECT_DOUBLE_EQ(a.update(0.1, 0.0), 0.1 * std::exp(-0.05));
  EXPECT_DOUBLE_EQ(a.update(0.1, 1.0), 0.1 * std::exp(0.05));
  EXPECT_DOUBLE_EQ(a.update(0.99, 1.0), 1.0);
}

}  // namespace
}  // namespace lsc
