// lsc infer's convergence diagnostics (issue 18): they summarise the very draws behind the
// posterior mean, they pass chains that sample an exact posterior and flag chains still drifting
// from their start, and their MCSE is the error the posterior mean really has.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "../support/gaussian.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/eval/diagnostics.hpp"
#include "lsc/run/infer.hpp"

namespace {

using namespace lsc;

// K coefficients over D pixels, and N points drawn from the model itself.
struct Problem {
  Model model;
  Matrix X;
};

Problem problem(PriorKind prior, Index K, Index D, Index N, std::uint64_t seed) {
  Problem p;
  p.model.A = 0.6 * random_dictionary(D, K, seed);
  p.model.sigma = 0.5;
  p.model.prior = Prior::make(prior, 1.0, prior == PriorKind::l0 ? 0.3 : 0.5);
  const Philox rng(seed + 1);
  std::vector<Real> z(static_cast<std::size_t>(K + D));
  p.X.resize(D, N);
  for (Index n = 0; n < N; ++n) {
    rng.normals(Purpose::data, 0, static_cast<std::uint64_t>(n), z.data(), K + D);
    const Vector s = Eigen::Map<const Vector>(z.data(), K);
    p.X.col(n) = p.model.A * s + p.model.sigma * Eigen::Map<const Vector>(z.data() + K, D);
  }
  return p;
}

// The diagnostics' mean of every diagnosed coefficient and activity is the posterior mean and
// P(s != 0) that infer reports from the same draws: the recorded chains are the right ones, in
// the right place.
TEST(InferDiagnostics, SummariseTheSameDrawsAsThePosteriorMean) {
  for (const PriorKind prior : {PriorKind::gaussian, PriorKind::l0}) {
    const Problem p = problem(prior, 5, 9, 7, 11);
    run::InferConfig c;
    c.chains = 3;
    c.samples = 150;
    c.burn_in = 50;
    c.diagnose_points = 5;
    c.dtype = "float64";
    c.seed = 4;
    c.block = 2;  // the diagnosed points span three blocks
    const run::InferResult r = run::infer(p.model, p.X, c);
    ASSERT_EQ(r.diagnosed_points, 5);
    ASSERT_EQ(r.diagnostics.size(), 25u);
    ASSERT_EQ(r.diagnostics_active.size(), 25u);
    for (Index q = 0; q < 25; ++q) {
      const Index point = q / 5, k = q % 5;
      EXPECT_NEAR(r.diagnostics[q].mean, r.mean(k, point), 1e-12) << q;
      EXPECT_NEAR(r.diagnostics_active[q].mean, r.active(k, point), 1e-12) << q;
    }
  }
  // Fewer than 4 draws per chain, or 0 points asked for: no diagnostics, and no error.
  const Problem p = problem(PriorKind::gaussian, 3, 4, 2, 1);
  run::InferConfig c;
  c.samples = 3;
  c.burn_in = 3;
  EXPECT_EQ(run::infer(p.model, p.X, c).diagnosed_points, 0);
  c.samples = 10;
  c.diagnose_points = 0;
  EXPECT_EQ(run::infer(p.model, p.X, c).diagnosed_points, 0);
}

// MALA samples the Gaussian posterior exactly, so its chains must pass R-hat < 1.01, and the
// posterior means must miss the closed form by about their MCSE: over Q coefficients the mean
// of z² = ((mean − μ)/mcse)² is 1 with standard error √(2/Q) (z standard normal), checked at 4 SE.
TEST(InferDiagnostics, ExactChainsPassAndTheirMcseIsTheErrorOfTheMean) {
  const Index K = 4, N = 16;
  const Problem p = problem(PriorKind::gaussian, K, 8, N, 3);
  run::InferConfig c;
  c.method = "mala";
  c.chains = 4;
  c.samples = 2000;
  c.burn_in = 500;
  c.diagnose_points = N;
  c.dtype = "float64";
  c.seed = 9;
  const run::InferResult r = run::infer(p.model, p.X, c);
  ASSERT_EQ(r.diagnostics.size(), std::size_t(N * K));
  const ConvergenceSummary s = summarize(r.diagnostics, c.chains);
  EXPECT_LT(s.worst_rhat, 1.01);
  EXPECT_GT(s.min_ess_bulk, 100.0 * c.chains) << convergence_warning(s);
  Real z2 = 0;
  for (Index n = 0; n < N; ++n) {
    const test::GaussianPosterior g = test::gaussian_posterior(p.model, p.X.col(n));
    for (Index k = 0; k < K; ++k) {
      const Diagnostics& d = r.diagnostics[std::size_t(n * K + k)];
      z2 += std::pow((d.mean - g.mu(k)) / d.mcse_mean, 2);
    }
  }
  const Real Q = Real(N * K), mean_z2 = z2 / Q;
  std::cout << "mean of z^2 over " << Q << " coefficients: " << mean_z2 << " (1 ± " << std::sqrt(2 / Q) << ")\n";
  EXPECT_NEAR(mean_z2, 1.0, 4 * std::sqrt(2 / Q)) << "the MCSE does not match the error of the posterior mean";
}

// Chains started at 0 with a step 250 times too small are still walking away from their start
// after 200 steps: split-R-hat must see the halves disagree, and the warning must say so.
TEST(InferDiagnostics, ChainsStillDriftingFromTheirStartAreFlagged) {
  const Problem p = problem(PriorKind::gaussian, 4, 8, 4, 5);
  run::InferConfig c;
  c.chains = 4;
  c.samples = 200;
  c.burn_in = 0;
  c.tau_u = 5000;
  c.dtype = "float64";
  const run::InferResult r = run::infer(p.model, p.X, c);
  const ConvergenceSummary s = summarize(r.diagnostics, c.chains);
  EXPECT_GT(s.worst_rhat, 1.1);
  EXPECT_NE(convergence_warning(s).find("R-hat above 1.01"), std::string::npos);
}

}  // namespace
