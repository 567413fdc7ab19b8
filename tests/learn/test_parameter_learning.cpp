// One step of learn_parameters from exact samples: each of π, σ and λ moves toward the value
// that generated the samples, by the expected amount where that is known, and stays put (within
// Monte Carlo error) when the model already has it. A rate of 0 keeps a parameter fixed.
//
// Exact samples stand in for posterior samples. For σ and λ we use the true coefficients: with
// x drawn from the model, (x, s_true) has the same joint law as (x, s) with s an exact posterior
// sample at the true parameters, so batch averages of ‖x − As‖² and C(s) have the same means.
// For π the posterior under the current (wrong) π is needed; with A = 1 (K = D = 1) it is
// sampled exactly by rejection from the current prior with acceptance exp(−(x − s)²/(2σ²)).
//
// Tolerances are kSigmas standard errors of the batch mean that drives the step. Seed sweep
// (done once, locally, 8 seeds): all passed, the largest |z| being 1.7 (σ), 1.4 (λ) and 1.7 (π
// at the truth), while the drives off the truth were ≥ 10.8 (λ) and ≥ 14.7 (π) standard errors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "../support/stats.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/learn/parameter_learning.hpp"
#include "lsc/model/energy.hpp"

namespace lsc {
namespace {

constexpr Real kSigmas = 4;

// n uniforms in (0, 1] from Philox, stream `stream`.
std::vector<Real> uniforms(std::uint64_t seed, std::uint64_t stream, Index n) {
  std::vector<Real> u(static_cast<std::size_t>(n));
  Philox(seed).uniforms(Purpose::data, stream, 0, u.data(), n);
  return u;
}

// Inverse-CDF sample of `prior` at uniform u, by bisection on Prior::cdf (itself checked against
// quadrature in test_prior); the spike of l0 takes u ≤ 1 − π.
Real sample(const Prior& prior, Real u) {
  if (prior.nonnegative() && prior.cdf(0) >= u) return 0;
  Real lo = prior.nonnegative() ? 0.0 : -1.0, hi = 1.0;
  while (prior.cdf(lo) > u) lo *= 2;
  while (prior.cdf(hi) < u) hi *= 2;
  for (int i = 0; i < 60; ++i) {
    const Real mid = 0.5 * (lo + hi);
    (prior.cdf(mid) < u ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// U with s(U) = S under `prior` (u = s + u0 on active nonnegative coefficients, 0 on zeros).
Matrix u_of(const Prior& prior, const Matrix& S) {
  if (!prior.nonnegative()) return S;
  return S.unaryExpr([&](Real s) { return s > 0 ? s + prior.u0() : 0.0; });
}

Model copy_with(const Model& m, Real sigma, Prior prior) { return Model{m.A, sigma, prior}; }

TEST(ParameterLearning, ZeroRatesKeepEveryParameterFixed) {
  const Model model{test::random_normal(4, 3, 1), 0.5, Prior::make(PriorKind::l0, 1.3, 0.3)};
  EnergyEval eval;
  evaluate(model, 2 * test::random_normal(3, 50, 2), test::random_normal(4, 50, 3), eval);
  Model learned = model;
  learn_parameters(learned, eval, ParameterRates{});
  EXPECT_EQ(learned.sigma, model.sigma);
  EXPECT_EQ(learned.prior.lambda, model.prior.lambda);
  EXPECT_EQ(learned.prior.pi, model.prior.pi);
  EXPECT_TRUE(learned.A == model.A);
  // π belongs to l0 alone: a u0 rate leaves the other priors' π at 1.
  Model laplace = copy_with(model, 0.5, Prior::make(PriorKind::laplace, 1.3));
  evaluate(laplace, test::random_normal(3, 50, 2), test::random_normal(4, 50, 3), eval);
  learn_parameters(laplace, eval, ParameterRates{10, 0, 0});
  EXPECT_EQ(laplace.prior.pi, 1.0);
}

TEST(ParameterLearning, SigmaRelaxesTowardTheNoiseLevel) {
  // D = 16, N = 2000: ‖x − As‖²/(ND) has mean σ*² and standard error σ*²·√(2/(ND)).
  const Index D = 16, K = 4, N = 2000;
  const Real tau = 10;
  const Model base{test::random_normal(D, K, 4), 0.5, Prior::make(PriorKind::gaussian, 1.0)};
  const Matrix S = test::random_normal(K, N, 5), noise = test::random_normal(D, N, 6);
  for (Real truth : {0.3, 0.5, 0.8}) {
    SCOPED_TRACE("sigma* = " + std::to_string(truth));
    const Matrix X = base.A * S + truth * noise;
    EnergyEval eval;
    evaluate(base, S, X, eval);
    Model model = base;
    learn_parameters(model, eval, ParameterRates{0, tau, 0});
    const Real var = base.sigma * base.sigma, truth_var = truth * truth;
    const Real se = truth_var * std::sqrt(2.0 / Real(N * D));
    // The step is (⟨‖x − As‖²⟩/D − σ²)/τ on σ²: τ·Δσ² estimates σ*² − σ².
    EXPECT_LE(std::abs(tau * (model.sigma * model.sigma - var) - (truth_var - var)), kSigmas * se);
    if (truth != base.sigma) {
      EXPECT_GT((model.sigma - base.sigma) * (truth - base.sigma), 0) << "moved away";
      EXPECT_LT(std::abs(model.sigma - base.sigma), std::abs(truth - base.sigma)) << "overshot";
    }
  }
}

TEST(ParameterLearning, LambdaMovesTowardTheTruthForEveryPrior) {
  // S holds exact prior samples at λ*. The step is τ·Δλ = mean over all K·N coefficients of
  // ⟨C⟩_λ − C(s) (on the slab only for l0), whose expectation is π(⟨C⟩_λ − ⟨C⟩_λ*) (π = 1
  // except for l0); its standard error is the spread of the per-coefficient terms over √(KN).
  const Index K = 4, N = 1000;
  const Real tau = 100, lambda = 1.2;
  const std::vector<Real> u = uniforms(7, 0, K * N);
  for (PriorKind kind :
       {PriorKind::gaussian, PriorKind::cauchy, PriorKind::laplace, PriorKind::l1, PriorKind::l0}) {
    for (Real truth : {0.8, 1.2, 1.8}) {
      const Prior true_prior = Prior::make(kind, truth, 0.3);
      const Prior prior = Prior::make(kind, lambda, 0.3);
      SCOPED_TRACE(prior.name() + " lambda* = " + std::to_string(truth));
      Matrix S(K, N);
      for (Index i = 0; i < K * N; ++i) S.reshaped()(i) = sample(true_prior, u[std::size_t(i)]);
      const Model base{test::random_normal(3, K, 8), 0.5, prior};
      EnergyEval eval;
      evaluate(base, u_of(prior, S), test::random_normal(3, N, 9), eval);
      Model model = base;
      learn_parameters(model, eval, ParameterRates{0, 0, tau});
      // Per-coefficient terms, for the standard error.
      const RowVector terms = S.reshaped().transpose().unaryExpr([&](Real s) {
        return kind == PriorKind::l0 && s == 0 ? 0.0 : prior.expected_cost() - prior.cost_s(s);
      });
      const Real se = test::mean_se(terms).se;
      const Real expected = true_prior.pi * (prior.expected_cost() - true_prior.expected_cost());
      const Real step = tau * (model.prior.lambda - lambda);
      EXPECT_LE(std::abs(step - expected), kSigmas * se) << "step " << step << ", expected "
                                                         << expected << " ± " << se;
      if (truth != lambda) {
        // The effect is many standard errors, so its sign must be right: toward λ*.
        ASSERT_GT(std::abs(expected), 2 * kSigmas * se);
        EXPECT_GT(step * (truth - lambda), 0) << "moved away from the truth";
      }
      EXPECT_EQ(model.prior.pi, prior.pi);  // π is held fixed while λ is learned
    }
  }
}

TEST(ParameterLearning, PiMovesTowardTheTruth) {
  // K = D = 1, A = 1, σ = 0.5, λ = 1: x = s + σξ with s from the l0 prior at π*; posterior samples
  // under the model's π by rejection. The step is τ·Δu0 = mean over the batch of G·1(s > 0),
  // the u0-derivative of the log-likelihood (eq. 3.13), whose expectation vanishes at π = π*
  // and points toward it elsewhere (the log-likelihood is concave in the mixture weight π, and
  // π = exp(−λ u0) decreases in u0). Its standard error is the spread over the batch.
  const Index N = 20000;
  const Real sigma = 0.5, lambda = 1.0, tau = 1000;
  const Matrix A = Matrix::Ones(1, 1);
  const std::vector<Real> us = uniforms(10, 0, N);
  const Matrix noise = test::random_normal(1, N, 11);
  for (Real truth : {0.2, 0.5}) {
    for (Real pi : {0.2, 0.5}) {
      SCOPED_TRACE("pi* = " + std::to_string(truth) + ", model pi = " + std::to_string(pi));
      const Prior true_prior = Prior::make(PriorKind::l0, lambda, truth);
      const Prior prior = Prior::make(PriorKind::l0, lambda, pi);
      Matrix X(1, N), S(1, N);
      const Philox rng(12);
      for (Index j = 0; j < N; ++j) {
        X(0, j) = sample(true_prior, us[std::size_t(j)]) + sigma * noise(0, j);
        for (std::uint64_t t = 0;; ++t) {  // rejection from the model's prior
          Real w[2];
          rng.uniforms(Purpose::batch, t, static_cast<std::uint64_t>(j), w, 2);
          const Real s = sample(prior, w[0]), r = X(0, j) - s;
          if (w[1] <= std::exp(-r * r / (2 * sigma * sigma))) {
            S(0, j) = s;
            break;
          }
        }
      }
      const Model base{A, sigma, prior};
      EnergyEval eval;
      evaluate(base, u_of(prior, S), X, eval);
      Model model = base;
      learn_parameters(model, eval, ParameterRates{tau, 0, 0});
      const RowVector terms = (S.array() > 0).select(eval.G, 0.0).row(0);
      const test::Estimate drive = test::mean_se(terms);
      const Real step = tau * (model.prior.u0() - prior.u0());
      // The step is the batch mean of the driving term, exactly.
      EXPECT_NEAR(step, drive.mean, 1e-9 * (1 + std::abs(drive.mean)));
      EXPECT_EQ(model.prior.lambda, lambda);
      if (truth == pi) {
        EXPECT_LE(std::abs(drive.mean), kSigmas * drive.se) << "drifts at the truth";
      } else {
        EXPECT_GT(std::abs(drive.mean), kSigmas * drive.se) << "no significant drive";
        EXPECT_GT((model.prior.pi - pi) * (truth - pi), 0) << "moved away from the truth";
      }
    }
  }
}

}  // namespace
}  // namespace lsc
