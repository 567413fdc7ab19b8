// The fused step of every backend (backend/step_engine.hpp) against exact answers, in float32
// and float64, on the CPU and, where a device is visible, on CUDA (skipped otherwise):
//  (a) Gaussian prior: Euler-Maruyama samples the exact stationary law of its own
//      discretization, N(μ, C(ε)) (test::ula_covariance), and that law is rejected against Σ;
//  (b) the K = 2 L0 case of science.md (quadrature): the Euler bias is first order in ε;
//  (c) A = 0: the spike-and-slab prior itself (zero fraction and KS of the slab), at a small ε;
//  (d) learning: at T = 0 the engine's dictionary and coefficients follow eq. 3.9 and 3.11
//      written out in double precision, step for step;
//  (e) bit-identical results for any thread count.
// Tolerances as in tests/sampler/test_langevin_exact.cpp: k = 4 standard errors of per-chain
// time averages of independent chains. float32 rounding (1e-7 relative per operation) is four
// orders below those errors (1e-3).
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "../support/gaussian.hpp"
#include "../support/l0_case.hpp"
#include "../support/stats.hpp"
#include "lsc/backend/step_engine.hpp"
#include "lsc/core/error.hpp"
#include "lsc/data/batch_source.hpp"
#include "lsc/learn/learner.hpp"
#include "../support/sampler.hpp"

namespace lsc {
namespace {

using test::Estimate;
constexpr Real kSigmas = 4;

using Param = std::tuple<Backend, Dtype>;

class StepEngineTest : public testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    std::string why;
    if (!backend_available(backend(), &why)) GTEST_SKIP() << why;
  }
  Backend backend() const { return std::get<0>(GetParam()); }
  Dtype dtype() const { return std::get<1>(GetParam()); }
  test::Sampler dynamics(std::uint64_t seed, Real eps) const { return {seed, {eps}, dtype(), backend()}; }
};

// (a) K = 3, D = 4, the Gaussian case of test_langevin_exact (P's eigenvalues 1.20, 2.23, 7.63).
TEST_P(StepEngineTest, GaussianPriorSamplesTheDiscretizedLawExactly) {
  const Model model{0.5 * test::random_normal(4, 3, 1), 0.5, Prior::make(PriorKind::gaussian, 1.0)};
  const Vector x = test::random_normal(4, 1, 2).col(0);
  const test::GaussianPosterior exact = test::gaussian_posterior(model, x);
  const Real eps = 0.05;
  const Matrix C = test::ula_covariance(exact.P, eps);
  const Index K = 3, N = 2000;
  ChainState chains = ChainState::zeros(K, N);
  test::Sampler d = dynamics(4, eps);
  const Vector mu = exact.mu;
  // Burn-in: the slowest mode relaxes as (1 − ε p_min)^n, below e^-25 after 500 steps.
  const Matrix avg = test::chain_averages(d, model, x.replicate(1, N), chains, 500, 2000, K + K * K,
                                          [&](const Matrix& S, Matrix& acc) {
                                            for (Index j = 0; j < S.cols(); ++j)
                                              for (Index a = 0; a < K; ++a) {
                                                const Real da = S(a, j) - mu(a);
                                                acc(a, j) += da;
                                                for (Index b = 0; b < K; ++b) acc(K + a * K + b, j) += da * (S(b, j) - mu(b));
                                              }
                                          });
  Real z_sigma = 0;
  for (Index a = 0; a < K; ++a) {
    const Estimate m = test::mean_se(avg.row(a));
    EXPECT_LE(m.z(0.0), kSigmas) << "mean " << a << " off by " << m.mean;
    for (Index b = 0; b < K; ++b) {
      const Estimate c = test::mean_se(avg.row(K + a * K + b));
      EXPECT_LE(c.z(C(a, b)), kSigmas) << "cov(" << a << ", " << b << ") = " << c.mean << " ± " << c.se << ", exact " << C(a, b);
      z_sigma = std::max(z_sigma, c.z(exact.Sigma(a, b)));
    }
  }
  // Not vacuous: the same samples reject the continuous-time posterior Σ.
  EXPECT_GT(z_sigma, kSigmas);
}

// (b) The K = 2 L0 case (science.md): exact P(s > 0) and E[s] by quadrature.
using test::L0Case;
using test::l0_case;

TEST_P(StepEngineTest, L0EulerBiasIsFirstOrderInEps) {
  const L0Case c = l0_case();
  const Real big = 0.05, small = 0.01;
  test::Sampler d_big = dynamics(8, big), d_small = dynamics(9, small);
  const std::vector<Estimate> e_big = test::l0_estimates(d_big, c, 4000);
  // At ε = 0.05 the bias is visible (science.md: P(s₂ > 0) 0.576 instead of 0.589) ...
  EXPECT_GT(e_big[1].z(c.exact[1]), kSigmas) << "P(s2 > 0) = " << e_big[1].mean;
  // ... and at ε = 0.01 the estimate is the exact value plus (0.01/0.05) of that bias.
  const std::vector<Estimate> e_small = test::l0_estimates(d_small, c, 20000);
  const Real ratio = small / big;
  for (int i = 0; i < 4; ++i) {
    const Real predicted_bias = ratio * (e_big[i].mean - c.exact[i]);
    const Real se = std::hypot(e_small[i].se, ratio * e_big[i].se);
    EXPECT_LE(std::abs(e_small[i].mean - c.exact[i] - predicted_bias), kSigmas * se)
        << "quantity " << i << ": " << e_small[i].mean << " ± " << e_small[i].se << ", exact " << c.exact[i];
  }
}

// (c) A = 0: the chains sample the spike-and-slab prior. Euler-Maruyama on the prior alone
// (constant drift λ sign(u), reflected through 0) is exact but for the steps that cross 0 or
// u0, a bias O(√ε) in the density near them: at ε = 1e-3 well below the errors here.
TEST_P(StepEngineTest, FlatLikelihoodSamplesTheSpikeAndSlab) {
  const Prior prior = Prior::make(PriorKind::l0, 1.0, 0.3);
  const Index K = 4, N = 5000;
  const Model model{Matrix::Zero(3, K), 0.5, prior};
  ChainState chains = ChainState::zeros(K, N);
  test::Sampler d = dynamics(12, 1e-3);
  for (int i = 0; i < 8000; ++i) d.step(model, Matrix::Zero(3, N), chains);  // 8 time units, τ_mix ≈ 1/λ²
  const Matrix S = test::coefficients(prior, chains.U);
  std::vector<Real> slab;
  for (Index i = 0; i < S.size(); ++i)
    if (S.data()[i] > 0) slab.push_back(S.data()[i]);
  const Real n = static_cast<Real>(S.size()), zero = 1 - static_cast<Real>(slab.size()) / n;
  EXPECT_LE(std::abs(zero - (1 - prior.pi)), kSigmas * std::sqrt(prior.pi * (1 - prior.pi) / n)) << "zero fraction " << zero;
  const auto slab_cdf = [](const Prior& p) { return [p](Real v) { return (p.cdf(v) - (1 - p.pi)) / p.pi; }; };
  const Real crit = test::ks_critical(slab.size(), 1e-3);
  EXPECT_LE(test::ks_statistic(slab, slab_cdf(prior)), crit);
  EXPECT_GT(test::ks_statistic(slab, slab_cdf(Prior::make(PriorKind::l0, 1.25, 0.3))), crit);
}

// (d) At T = 0 there is no noise and the step is deterministic: the engine must follow eq. 3.9
// and 3.11 written out here in double precision with Eigen, step for step.
TEST_P(StepEngineTest, LearningFollowsTheEquationsAtZeroTemperature) {
  const Index D = 12, K = 8, N = 64;
  const Model model{0.4 * test::random_normal(D, K, 3), 0.5, Prior::make(PriorKind::l0, 1.0, 0.5)};
  const Matrix X = test::random_normal(D, N, 4);
  const Real eps = 0.02, tau_A = 50, var = model.sigma * model.sigma, u0 = model.prior.u0();
  EngineOptions o;
  o.backend = backend();
  o.dtype = dtype();
  o.eps = eps;
  o.temperature = 0;
  o.tau_A = tau_A;
  auto engine = make_step_engine(o);
  // A random start, for a nontrivial S.
  ChainState start = ChainState::zeros(K, N);
  start.U = 2.0 * test::random_normal(K, N, 6);
  engine->load(model, start);
  engine->set_batch(X);
  Matrix A = model.A, U = start.U;
  const int steps = 100;
  for (int i = 0; i < steps; ++i) {
    const Matrix S = U.unaryExpr([&](Real u) { return std::max(std::abs(u) - u0, 0.0); });
    const Matrix R = A * S - X, G = A.transpose() * R;
    U -= eps * (U.unaryExpr([&](Real u) { return std::abs(u) > u0 ? std::copysign(1.0, u) : 0.0; })
                    .cwiseProduct(G) / var +
                model.prior.lambda * U.unaryExpr([](Real u) { return std::copysign(1.0, u); }));
    A -= R * S.transpose() / (tau_A * Real(N) * var);
  }
  engine->run(steps);
  Model m;
  ChainState c;
  engine->read(m, c);
  // float64: the same arithmetic up to summation order (1e-12); float32: rounding of 1e-7 per
  // operation, amplified over 100 steps by at most (1 + ε L)^100 with ε L ≈ 0.7 here.
  const Real tol = dtype() == Dtype::float64 ? 1e-10 : 2e-3;
  EXPECT_LE((m.A - A).cwiseAbs().maxCoeff(), tol * A.cwiseAbs().maxCoeff());
  EXPECT_LE((c.U - U).cwiseAbs().maxCoeff(), tol * U.cwiseAbs().maxCoeff());
  // Not vacuous: the dictionary moved.
  EXPECT_GT((m.A - model.A).cwiseAbs().maxCoeff(), 100 * tol * model.A.cwiseAbs().maxCoeff());
  EXPECT_EQ(c.step, 100u);
}

// (e) Same seed, same numbers, whatever the thread count (CPU; one device on CUDA).
TEST_P(StepEngineTest, BitIdenticalForAnyThreadCount) {
  const Index D = 16, K = 40, N = 700;  // several chunks and dictionary groups
  const Model model{0.3 * test::random_normal(D, K, 7), 0.5, Prior::make(PriorKind::l0, 1.0, 0.3)};
  const Matrix X = test::random_normal(D, N, 8);
  Matrix A[2], U[2];
  for (int t : {1, 2}) {
    EngineOptions o;
    o.backend = backend();
    o.dtype = dtype();
    o.eps = 0.01;
    o.tau_A = 100;
    o.seed = 3;
    o.threads = t;
    auto engine = make_step_engine(o);
    engine->load(model, ChainState::zeros(K, N));
    engine->set_batch(X);
    engine->run(30);
    Model m = model;
    ChainState c;
    engine->read(m, c);
    A[t - 1] = m.A;
    U[t - 1] = c.U;
  }
  EXPECT_EQ(A[0], A[1]);
  EXPECT_EQ(U[0], U[1]);
}

// A few chains' coefficients, as the learner tracks them every step: the same values as the
// whole matrix's columns, also after a new π left s(U) to be recomputed.
TEST_P(StepEngineTest, CoefficientColumnsAreThoseOfTheWholeMatrix) {
  const Index D = 16, K = 6, N = 20;
  const Model model{0.3 * test::random_normal(D, K, 7), 0.5, Prior::make(PriorKind::l0, 1.0, 0.3)};
  EngineOptions o;
  o.backend = backend();
  o.dtype = dtype();
  o.eps = 0.05;
  auto engine = make_step_engine(o);
  engine->load(model, ChainState::zeros(K, N));
  engine->set_batch(test::random_normal(D, N, 8));
  engine->run(20);
  for (int changed = 0; changed < 2; ++changed) {
    if (changed) engine->set_parameters(model.sigma, Prior::make(PriorKind::l0, 1.0, 0.5));
    Matrix all, some;
    engine->read_coefficients(all);
    engine->read_coefficient_columns(some, 3, 4);
    EXPECT_EQ(some, all.middleCols(3, 4)) << changed;
    EXPECT_GT((some.array() != 0).count(), 0) << changed;
  }
  Matrix S;
  EXPECT_THROW(engine->read_coefficient_columns(S, 18, 3), Error);
}

TEST_P(StepEngineTest, WrongBatchShapeIsOneSentence) {
  EngineOptions o;
  o.backend = backend();
  o.dtype = dtype();
  auto engine = make_step_engine(o);
  const Model model{test::random_normal(4, 3, 1), 0.5, Prior::make(PriorKind::l0, 1.0, 0.3)};
  engine->load(model, ChainState::zeros(3, 10));
  try {
    engine->set_batch(Matrix::Zero(5, 10));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pass one column per chain"), std::string::npos) << e.what();
  }
}

TEST_P(StepEngineTest, DivergenceNamesTheStepSize) {
  EngineOptions o;
  o.backend = backend();
  o.dtype = dtype();
  o.eps = 10;  // ε·L ≫ 2
  auto engine = make_step_engine(o);
  const Model model{3 * test::random_normal(8, 4, 1), 0.1, Prior::make(PriorKind::gaussian, 1.0)};
  engine->load(model, ChainState::zeros(4, 10));
  engine->set_batch(test::random_normal(8, 10, 2));
  try {
    engine->run(200);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("increase --tau-u"), std::string::npos) << e.what();
  }
}

std::string param_name(const testing::TestParamInfo<Param>& info) {
  return name_of(std::get<0>(info.param)) + "_" + name_of(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Backends, StepEngineTest,
                         testing::Combine(testing::Values(Backend::cpu, Backend::cuda),
                                          testing::Values(Dtype::float32, Dtype::float64)),
                         param_name);

TEST(StepEngine, UnavailableBackendIsOneSentence) {
  std::string why;
  if (backend_available(Backend::cuda, &why)) GTEST_SKIP() << "a CUDA device is visible";
  EngineOptions o;
  o.backend = Backend::cuda;
  try {
    make_step_engine(o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--backend cpu"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lsc
