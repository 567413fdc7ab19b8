// The Langevin samplers of the engine (backend/step_engine.hpp), in float64 and float32, against
// exact answers (docs/design.md, "Tests"):
//  (a) Gaussian prior: MALA samples the closed-form posterior N(μ, Σ); Euler-Maruyama samples
//      the exact stationary law of its own discretization, N(μ, C(ε)), and is rejected against Σ.
//  (b) The K = 2 L0 case of science.md, exact by quadrature: MALA passes where Euler-Maruyama
//      visibly fails, and the Euler bias is first order in ε.
//  (c) A = 0: the chains sample the prior itself (Kolmogorov-Smirnov).
//  (d) Reproducibility across thread counts and batch compositions.
//  (e) The kinetic samplers (backend/cpu/kinetic_engine.cpp): HMC and GHMC (OBABO with a
//      Metropolis test), with and without the mass preconditioner and the dead-zone jumps, on
//      the closed-form Gaussian posterior and the K = 2 quadrature; BAOAB, which has no test, on
//      the stationary law of its own discretization of the Gaussian case (computed here).
//
// Every statistical tolerance is kSigmas standard errors, the standard error being the spread of
// the per-chain time averages of thousands of independent chains over √(number of chains), plus,
// where stated, an explicitly computed discretization bias. With about ten comparisons per test
// at k = 4 a false failure has probability ~1e-3 per test.
//
// Seed sweep (done once, locally, 8 seeds per test at the sizes below): all comparisons passed,
// the largest |z| being 2.9 (Gaussian moments), 1.7 (MALA, L0) and 3.0 (Euler bias linear in ε);
// the rejections had z ≥ 40 (Euler-Maruyama against Σ) and z ≥ 9.4 (Euler-Maruyama, P(s₂ > 0));
// KS statistics reached at most 0.85 of the critical value, their √n·KS averaging 0.7-1.05
// (the Kolmogorov law's mean is 0.87) and the 25 % wrong λ being rejected at 2-6× it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "../support/gaussian.hpp"
#include "../support/l0_case.hpp"
#include "../support/quadrature.hpp"
#include "../support/stats.hpp"
#include "lsc/core/parallel.hpp"
#include "../support/sampler.hpp"

namespace lsc {
namespace {

using test::Estimate;

// Every sampler test runs on the engine in float64 and in float32 (the fixture sets it).
Dtype g_dtype = Dtype::float64;

class Langevin : public testing::TestWithParam<Dtype> {
 protected:
  void SetUp() override { g_dtype = GetParam(); }
};

constexpr Real kSigmas = 4;  // k of every "within k standard errors"

// ---------------------------------------------------------------------------------------------
// (a) Gaussian prior: K = 3, D = 4, random A; P has eigenvalues 1.20, 2.23, 7.63.

struct GaussianCase {
  Model model;
  Vector x;
  test::GaussianPosterior exact;
};

GaussianCase gaussian_case() {
  GaussianCase g{Model{0.5 * test::random_normal(4, 3, 1), 0.5,
                       Prior::make(PriorKind::gaussian, 1.0)},
                 test::random_normal(4, 1, 2).col(0), {}};
  g.exact = test::gaussian_posterior(g.model, g.x);
  return g;
}

// Per-chain estimates of the mean (3) and of the second moments about the exact μ (3×3), which
// equal the covariance whenever the stationary mean is μ (exactly so for both samplers).
struct Moments {
  std::vector<Estimate> mean;
  std::vector<std::vector<Estimate>> cov;
};

Moments gaussian_moments(const GaussianCase& g, test::SamplerOptions options, std::uint64_t seed) {
  const Index K = 3, N = 2000;
  // Burn-in: the slowest mode relaxes as (1 − ε p_min)^n, below e^-25 after 500 steps at ε ≥ 0.05.
  const int burn_in = 500, steps = 2000;
  test::Sampler sampler(seed, options, g_dtype);
  ChainState chains = ChainState::zeros(K, N);
  const Vector mu = g.exact.mu;
  const Matrix avg = test::chain_averages(
      sampler, g.model, g.x.replicate(1, N), chains, burn_in, steps, K + K * K,
      [&](const Matrix& S, Matrix& acc) {
        for (Index j = 0; j < S.cols(); ++j)
          for (Index a = 0; a < K; ++a) {
            const Real da = S(a, j) - mu(a);
            acc(a, j) += da;
            for (Index b = 0; b < K; ++b) acc(K + a * K + b, j) += da * (S(b, j) - mu(b));
          }
      });
  Moments m;
  for (Index a = 0; a < K; ++a) {
    m.mean.push_back(test::mean_se(avg.row(a)));
    m.cov.emplace_back();
    for (Index b = 0; b < K; ++b) m.cov.back().push_back(test::mean_se(avg.row(K + a * K + b)));
  }
  return m;
}

// Largest |estimate − exact| / SE over the covariance entries.
Real max_cov_z(const Moments& m, const Matrix& C) {
  Real z = 0;
  for (Index a = 0; a < C.rows(); ++a)
    for (Index b = 0; b < C.cols(); ++b) z = std::max(z, m.cov[a][b].z(C(a, b)));
  return z;
}

void expect_moments(const Moments& m, const Vector& mu, const Matrix& C) {
  for (Index a = 0; a < mu.size(); ++a) {
    // Means were accumulated about μ.
    EXPECT_LE(m.mean[a].z(0.0), kSigmas) << "mean " << a << " off by " << m.mean[a].mean;
    for (Index b = 0; b < mu.size(); ++b)
      EXPECT_LE(m.cov[a][b].z(C(a, b)), kSigmas)
          << "cov(" << a << ", " << b << ") = " << m.cov[a][b].mean << " ± " << m.cov[a][b].se
          << ", exact " << C(a, b);
  }
}

TEST_P(Langevin, Gaussian_MalaSamplesTheExactPosterior) {
  test::ScopedThreads one(1);
  const GaussianCase g = gaussian_case();
  const Real eps = 0.1;  // ε·p_max = 0.76: Euler-Maruyama's covariance is off by up to 60 %
  const Moments m = gaussian_moments(g, {eps, 1.0, true}, 3);
  expect_moments(m, g.exact.mu, g.exact.Sigma);
  // The test is not vacuous: at this ε the uncorrected chain's law is far from Σ.
  EXPECT_GE(max_cov_z(m, test::ula_covariance(g.exact.P, eps)), 10.0);
}

TEST_P(Langevin, Gaussian_EulerSamplesItsDiscretizedLawAndIsRejectedAgainstThePosterior) {
  test::ScopedThreads one(1);
  const GaussianCase g = gaussian_case();
  // For u' = u − εP(u − μ) + √(2ε)ξ the stationary law is N(μ, C), C = (I − εP)C(I − εP)ᵀ + 2εI.
  const Real eps = 0.05;
  const Matrix C = test::ula_covariance(g.exact.P, eps);
  const Moments m = gaussian_moments(g, {eps, 1.0, false}, 4);
  expect_moments(m, g.exact.mu, C);
  // The bias C − Σ is real and detected: design check that it exceeds 10 standard errors
  // somewhere, then the samples reject Σ at k standard errors.
  Real design_z = 0;
  for (Index a = 0; a < 3; ++a)
    for (Index b = 0; b < 3; ++b)
      design_z = std::max(design_z, std::abs(C(a, b) - g.exact.Sigma(a, b)) / m.cov[a][b].se);
  EXPECT_GE(design_z, 10.0);
  EXPECT_GT(max_cov_z(m, g.exact.Sigma), kSigmas);
}

TEST_P(Langevin, Gaussian_StationaryCovarianceScalesWithTemperature) {
  test::ScopedThreads one(1);
  const GaussianCase g = gaussian_case();
  // Euler-Maruyama with noise √(2Tε): the Lyapunov solution scales with T, C_T = T·C.
  const Real T = 2.0, eps = 0.05;
  expect_moments(gaussian_moments(g, {eps, T, false}, 5), g.exact.mu,
                 test::ula_covariance(g.exact.P, eps, T));
  // MALA targets exp(−E/T) = N(μ, TΣ).
  const Real cold = 0.5;
  expect_moments(gaussian_moments(g, {0.1, cold, true}, 6), g.exact.mu, cold * g.exact.Sigma);
}

// ---------------------------------------------------------------------------------------------
// (b) The K = 2 L0 case of science.md: D = 3, σ = 0.5, λ = 1, π = 0.3.

// Per-chain estimates of the four quantities of test::L0Case::exact (tests/support/l0_case.hpp).
std::vector<Estimate> l0_estimates(const test::L0Case& c, test::SamplerOptions options, std::uint64_t seed,
                                   int steps) {
  test::Sampler sampler(seed, options, g_dtype);
  return test::l0_estimates(sampler, c, steps);
}

TEST(LangevinL0, QuadratureReproducesTheReferenceValues) {
  const test::L0Case c = test::l0_case();
  const Real reference[4] = {0.3807, 0.5891, 0.2429, 0.4945};  // science.md, 4 decimals
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(c.exact[i], reference[i], 5e-5) << "quantity " << i;
}

TEST_P(Langevin, L0_MalaMatchesQuadrature) {
  test::ScopedThreads one(1);
  const test::L0Case c = test::l0_case();
  const std::vector<Estimate> e = l0_estimates(c, {0.05, 1.0, true}, 7, 4000);
  for (int i = 0; i < 4; ++i)
    EXPECT_LE(e[i].z(c.exact[i]), kSigmas)
        << "quantity " << i << ": " << e[i].mean << " ± " << e[i].se << ", exact " << c.exact[i];
}

TEST_P(Langevin, L0_MalaWithDeadZoneJumpsMatchesQuadrature) {
  test::ScopedThreads one(1);
  const test::L0Case c = test::l0_case();
  test::SamplerOptions o{0.05, 1.0, true};
  o.dead_zone_jumps = true;
  const std::vector<Estimate> e = l0_estimates(c, o, 13, 4000);
  for (int i = 0; i < 4; ++i)
    EXPECT_LE(e[i].z(c.exact[i]), kSigmas)
        << "quantity " << i << ": " << e[i].mean << " ± " << e[i].se << ", exact " << c.exact[i];
}

TEST_P(Langevin, L0_EulerBiasIsVisibleAtLargeStepAndFirstOrderInEps) {
  test::ScopedThreads one(1);
  const test::L0Case c = test::l0_case();
  // At ε = 0.05 (science.md: 0.576 instead of 0.589) Euler-Maruyama is rejected.
  const Real big = 0.05, small = 0.01;
  const std::vector<Estimate> e_big = l0_estimates(c, {big, 1.0, false}, 8, 4000);
  EXPECT_GT(e_big[1].z(c.exact[1]), kSigmas) << "P(s2 > 0) = " << e_big[1].mean;
  // At ε = 0.01 it matches the exact answer plus the first-order weak bias b(ε) = β ε, with β
  // measured at ε = 0.05: |ê(small) − exact − (small/big)(ê(big) − exact)| within k standard
  // errors of that difference. A bias that did not shrink, or shrank like √ε, would fail on
  // P(s₂ > 0); equal step counts per time unit keep the two standard errors alike.
  const std::vector<Estimate> e_small = l0_estimates(c, {small, 1.0, false}, 9, 20000);
  const Real ratio = small / big;
  for (int i = 0; i < 4; ++i) {
    const Real predicted_bias = ratio * (e_big[i].mean - c.exact[i]);
    const Real se = std::hypot(e_small[i].se, ratio * e_big[i].se);
    EXPECT_LE(std::abs(e_small[i].mean - c.exact[i] - predicted_bias), kSigmas * se)
        << "quantity " << i << ": " << e_small[i].mean << " ± " << e_small[i].se << ", exact "
        << c.exact[i] << " + bias " << predicted_bias;
  }
}

// ---------------------------------------------------------------------------------------------
// (c) A = 0: the likelihood is flat, so the chains sample the prior itself.

struct PriorCase {
  Prior prior;
  Real eps;     // MALA step, acceptance 0.6-0.8
  int burn_in;  // steps from u = 0
  Index chains = 5000;
};

// One sample per coordinate per chain after burn-in: chains are independent and, at
// stationarity, so are the K coordinates of one chain (the target factorizes).
std::vector<Real> prior_samples(const PriorCase& pc, std::uint64_t seed) {
  const Index K = 4, N = pc.chains;
  const Model model{Matrix::Zero(3, K), 0.5, pc.prior};
  const Matrix X = Matrix::Zero(3, N);
  test::Sampler sampler(seed, {pc.eps, 1.0, true}, g_dtype);
  ChainState chains = ChainState::zeros(K, N);
  for (int i = 0; i < pc.burn_in; ++i) sampler.step(model, X, chains);
  const Matrix S = test::coefficients(pc.prior, chains.U);
  return {S.data(), S.data() + S.size()};
}

// The KS level: the critical value is exceeded with probability 1e-3 under the prior.
constexpr Real kAlpha = 1e-3;

TEST_P(Langevin, Prior_FlatLikelihoodSamplesTheSmoothPriors) {
  test::ScopedThreads one(1);
  const PriorCase cases[] = {{Prior::make(PriorKind::l1, 1.5), 0.25, 400},
                             {Prior::make(PriorKind::laplace, 0.8), 0.8, 400},
                             {Prior::make(PriorKind::gaussian, 2.0), 0.25, 400},
                             // The Cauchy chains fill their tails only polynomially fast: over
                             // seeds, √n·KS averaged 1.43, 1.14, 0.99, 0.82 after 800, 1600,
                             // 3200, 6400 steps (the Kolmogorov law's mean is 0.87), so they get
                             // 6400 steps and half the chains.
                             {Prior::make(PriorKind::cauchy, 1.0), 1.0, 6400, 2500}};
  for (const PriorCase& pc : cases) {
    SCOPED_TRACE(pc.prior.name());
    const std::vector<Real> s = prior_samples(pc, 11);
    const Real crit = test::ks_critical(s.size(), kAlpha);
    EXPECT_LE(test::ks_statistic(s, [&](Real v) { return pc.prior.cdf(v); }), crit);
    // Power: the same samples reject the prior with λ 25 % larger.
    const Prior wrong = Prior::make(pc.prior.kind, 1.25 * pc.prior.lambda);
    EXPECT_GT(test::ks_statistic(s, [&](Real v) { return wrong.cdf(v); }), crit);
  }
}

TEST_P(Langevin, Prior_FlatLikelihoodSamplesTheSpikeAndSlab) {
  test::ScopedThreads one(1);
  const Prior prior = Prior::make(PriorKind::l0, 1.0, 0.3);
  const std::vector<Real> s = prior_samples({prior, 0.5, 400}, 12);
  std::vector<Real> slab;
  for (Real v : s)
    if (v > 0) slab.push_back(v);
  // The spike: the zero fraction is binomial with mean 1 − π.
  const Real n = static_cast<Real>(s.size()), zero = 1 - static_cast<Real>(slab.size()) / n;
  const Real se = std::sqrt(prior.pi * (1 - prior.pi) / n);
  EXPECT_LE(std::abs(zero - (1 - prior.pi)), kSigmas * se) << "zero fraction " << zero;
  // The slab: given s > 0, s ~ Exp(λ), i.e. (cdf(s) − (1 − π)) / π.
  const auto slab_cdf = [](const Prior& p) {
    return [p](Real v) { return (p.cdf(v) - (1 - p.pi)) / p.pi; };
  };
  const Real crit = test::ks_critical(slab.size(), kAlpha);
  EXPECT_LE(test::ks_statistic(slab, slab_cdf(prior)), crit);
  EXPECT_GT(test::ks_statistic(slab, slab_cdf(Prior::make(PriorKind::l0, 1.25, 0.3))), crit);
}

// Data that want a coefficient the prior rarely allows (π = 0.01, a = 1, x = 1.8, σ = 0.5): the
// posterior has it active with probability P ≈ 0.6 (quadrature), but a chain in the dead zone |u| < u0 = 4.6
// feels no likelihood and reaches the threshold only by diffusion against the prior's drift,
// (e^{λu0} − 1 − λu0)/(ελ²) ≈ 1900 steps on average at ε = 0.05. After 200 steps from u = 0 plain
// MALA has activated only a fraction of the chains (measured 0.047); with the jumps the fraction
// is the posterior's (binomial error; measured 0.597 against 0.607).
TEST_P(Langevin, L0_DeadZoneJumpsActivateWhatTheDataWant) {
  test::ScopedThreads one(1);
  const Real pi = 0.01, lambda = 1.0, sigma = 0.5, a = 1.0, x = 1.8;
  const Model model{Matrix::Constant(1, 1, a), sigma, Prior::make(PriorKind::l0, lambda, pi)};
  const auto normal = [&](Real r) { return std::exp(-r * r / (2 * sigma * sigma)); };
  const Real p0 = (1 - pi) * normal(x);
  const Real p1 = test::integrate([&](Real s) { return pi * lambda * std::exp(-lambda * s) * normal(x - a * s); }, 0, INFINITY);
  const Real exact = p1 / (p0 + p1);
  const Index N = 4000;
  const Matrix X = Matrix::Constant(1, N, x);
  const auto active_fraction = [&](bool jumps) {
    test::SamplerOptions o{0.05, 1.0, true};
    o.dead_zone_jumps = jumps;
    test::Sampler sampler(14, o, g_dtype);
    ChainState chains = ChainState::zeros(1, N);
    for (int t = 0; t < 200; ++t) sampler.step(model, X, chains);
    return (chains.U.array().abs() > model.prior.u0()).cast<Real>().mean();
  };
  const Real se = std::sqrt(exact * (1 - exact) / Real(N)) + 1.0 / Real(N);
  const Real with_jumps = active_fraction(true);
  EXPECT_LE(std::abs(with_jumps - exact), kSigmas * se) << with_jumps << " vs exact " << exact;
  const Real without = active_fraction(false);
  EXPECT_LT(without, exact - 0.2) << without << " vs exact " << exact;
}

// ---------------------------------------------------------------------------------------------
// (d) Reproducibility: the noise is keyed by (seed, step, chain id) alone.

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(Real) * a.size()) == 0;
}

// U after `steps` steps of chains first .. first + n − 1 on data columns first .. first + n − 1.
Matrix run_chains(const Model& model, const Matrix& X, std::uint64_t seed, bool metropolis,
                  Index first, Index n, int steps = 50) {
  test::Sampler sampler(seed, {0.05, 1.0, metropolis}, g_dtype);
  ChainState chains = ChainState::zeros(model.K(), n, static_cast<std::uint64_t>(first));
  const Matrix Xn = X.middleCols(first, n);
  for (int i = 0; i < steps; ++i) sampler.step(model, Xn, chains);
  return chains.U;
}

const Model repro_model{0.5 * test::random_normal(4, 3, 1), 0.5,
                        Prior::make(PriorKind::l0, 1.0, 0.3)};
const Matrix repro_X = test::random_normal(4, 20, 2);

TEST_P(Langevin, Reproducibility_BitIdenticalForAnyThreadCount) {
  // Batches of several of the engine's chunks of columns (kCpuChunk = 128), which threads share,
  // on the small model and on a bars-sized one.
  const Index N = 2 * 128 + 37;
  const Model big{0.2 * test::random_normal(64, 32, 3), 0.5, Prior::make(PriorKind::l0, 1.0, 0.3)};
  const Matrix small_X = test::random_normal(4, N, 4), big_X = test::random_normal(64, N, 5);
  for (bool metropolis : {false, true}) {
    SCOPED_TRACE(metropolis ? "MALA" : "Euler-Maruyama");
    Matrix one, two, big_one, big_two;
    {
      test::ScopedThreads t(1);
      one = run_chains(repro_model, small_X, 5, metropolis, 0, N);
      big_one = run_chains(big, big_X, 5, metropolis, 0, N, 20);
    }
    {
      test::ScopedThreads t(2);
      two = run_chains(repro_model, small_X, 5, metropolis, 0, N);
      big_two = run_chains(big, big_X, 5, metropolis, 0, N, 20);
    }
    EXPECT_TRUE(same_bits(one, two));
    EXPECT_TRUE(same_bits(big_one, big_two));
    // Another seed, another path.
    EXPECT_FALSE(one.isApprox(run_chains(repro_model, small_X, 6, metropolis, 0, N)));
  }
}

TEST_P(Langevin, Reproducibility_NoiseDependsOnlyOnSeedStepAndChain) {
  test::ScopedThreads one(1);
  // With A = 0 a column's update involves only its own u and its noise, so chain j must follow
  // the same path bit for bit whatever else is in the batch.
  Model flat = repro_model;
  flat.A.setZero();
  for (bool metropolis : {false, true}) {
    SCOPED_TRACE(metropolis ? "MALA" : "Euler-Maruyama");
    const Matrix all = run_chains(flat, repro_X, 5, metropolis, 0, 20);
    EXPECT_TRUE(same_bits(run_chains(flat, repro_X, 5, metropolis, 0, 10), all.leftCols(10)));
    EXPECT_TRUE(same_bits(run_chains(flat, repro_X, 5, metropolis, 10, 10), all.rightCols(10)));
  }
}

TEST_P(Langevin, Reproducibility_ChainDoesNotDependOnTheRestOfTheBatchBeyondRounding) {
  test::ScopedThreads one(1);
  // With a dictionary the products A·S and Aᵀ·R round differently by batch size (BLAS's kernels
  // and edge tiles depend on the number of columns), by 1 ulp of G per step (rng.hpp states this limit of the promise); the dynamics do not amplify that (the Euler
  // map contracts for ε·L < 2, and a gate or accept decision flips only if a value lies within
  // an ulp of its threshold), so 50 steps stay within 1e-12 in float64, and within as many
  // float32 ulps (1e-12 · 2^29) in float32.
  const Real tol = g_dtype == Dtype::float64 ? 1e-12 : 1e-12 * 0x1p29;
  for (bool metropolis : {false, true}) {
    SCOPED_TRACE(metropolis ? "MALA" : "Euler-Maruyama");
    const Matrix all = run_chains(repro_model, repro_X, 5, metropolis, 0, 20);
    EXPECT_LT((run_chains(repro_model, repro_X, 5, metropolis, 0, 10) - all.leftCols(10))
                  .cwiseAbs()
                  .maxCoeff(),
              1e-12);
    EXPECT_LT((run_chains(repro_model, repro_X, 5, metropolis, 10, 10) - all.rightCols(10))
                  .cwiseAbs()
                  .maxCoeff(),
              tol);
  }
}

// ---------------------------------------------------------------------------------------------
// (e) The kinetic samplers.

test::SamplerOptions kinetic(SamplerKind kind, Real eps, bool precondition, bool jumps = false) {
  test::SamplerOptions o{eps, 1.0, false};
  o.kind = kind;
  o.precondition = precondition;
  o.dead_zone_jumps = jumps;
  return o;
}

TEST_P(Langevin, Gaussian_HmcAndGhmcSampleTheExactPosterior) {
  test::ScopedThreads one(1);
  const GaussianCase g = gaussian_case();
  std::uint64_t seed = 20;
  for (SamplerKind kind : {SamplerKind::hmc, SamplerKind::ghmc})
    for (bool precondition : {false, true}) {
      SCOPED_TRACE(name_of(kind) + (precondition ? " preconditioned" : ""));
      // ε = 0.1: a leapfrog step h = 0.45 against the stability limit 2/√7.63 = 0.72 of the
      // unit mass; BAOAB's and Euler's laws at this ε are far from Σ (below, and the MALA test).
      expect_moments(gaussian_moments(g, kinetic(kind, 0.1, precondition), seed++), g.exact.mu, g.exact.Sigma);
    }
}

// The stationary covariance of BAOAB on the Gaussian posterior: z = (u − μ, p) follows the linear
// map B A O A B plus noise, C = F C Fᵀ + Q solved by iteration (the map contracts).
Matrix baoab_covariance(const Matrix& P, const Vector& mass, Real eps, Real friction) {
  const Index K = P.rows();
  const Real h = std::sqrt(2 * eps), eta = std::exp(-friction * h);
  const Matrix I = Matrix::Identity(K, K), Minv = mass.cwiseInverse().asDiagonal();
  Matrix B = Matrix::Identity(2 * K, 2 * K), A = B, O = B, Q = Matrix::Zero(2 * K, 2 * K);
  B.bottomLeftCorner(K, K) = -0.5 * h * P;
  A.topRightCorner(K, K) = 0.5 * h * Minv;
  O.bottomRightCorner(K, K) = eta * I;
  Q.bottomRightCorner(K, K) = (1 - eta * eta) * Matrix(mass.asDiagonal());
  Matrix C = Matrix::Zero(2 * K, 2 * K);
  for (int i = 0; i < 20000; ++i) {
    C = A * B * C * B.transpose() * A.transpose();
    C = O * C * O.transpose() + Q;
    C = B * A * C * A.transpose() * B.transpose();
  }
  return C.topLeftCorner(K, K);
}

TEST_P(Langevin, Gaussian_BaoabSamplesItsOwnDiscretizedLaw) {
  test::ScopedThreads one(1);
  const GaussianCase g = gaussian_case();
  for (bool precondition : {false, true}) {
    SCOPED_TRACE(precondition ? "preconditioned" : "unit mass");
    const Real eps = 0.1;
    const Vector mass = kinetic_mass(g.model, precondition);
    const Matrix C = baoab_covariance(g.exact.P, mass, eps, test::SamplerOptions{}.friction);
    // Leimkuhler & Matthews (2013): BAOAB's u-marginal is exact for a quadratic energy, at any
    // step below the stability limit; the iteration confirms it for this case and these masses.
    EXPECT_LT((C - g.exact.Sigma).cwiseAbs().maxCoeff(), 1e-9);
    expect_moments(gaussian_moments(g, kinetic(SamplerKind::baoab, eps, precondition), 24 + precondition),
                   g.exact.mu, C);
  }
}

TEST_P(Langevin, L0_KineticSamplersMatchQuadrature) {
  test::ScopedThreads one(1);
  const test::L0Case c = test::l0_case();
  std::uint64_t seed = 30;
  // Each sampler plain and with both additions; GHMC, lsc infer's default, in all four ways.
  const struct {
    SamplerKind kind;
    bool precondition, jumps;
  } cases[] = {{SamplerKind::hmc, false, false},  {SamplerKind::hmc, true, true},   {SamplerKind::ghmc, false, false},
               {SamplerKind::ghmc, true, false},  {SamplerKind::ghmc, false, true}, {SamplerKind::ghmc, true, true}};
  for (const auto& k : cases) {
    SCOPED_TRACE(name_of(k.kind) + (k.precondition ? " preconditioned" : "") + (k.jumps ? " with jumps" : ""));
    const std::vector<Estimate> e = l0_estimates(c, kinetic(k.kind, 0.05, k.precondition, k.jumps), seed++, 4000);
    for (int i = 0; i < 4; ++i)
      EXPECT_LE(e[i].z(c.exact[i]), kSigmas)
          << "quantity " << i << ": " << e[i].mean << " ± " << e[i].se << ", exact " << c.exact[i];
  }
}

// A sampler that ignored its Metropolis test would be biased on the L0 case like Euler-Maruyama:
// BAOAB, whose force jumps where s leaves 0, is rejected there at ε = 0.2 (z = 34 measured).
TEST_P(Langevin, L0_BaoabIsBiasedWhereTheForceJumps) {
  test::ScopedThreads one(1);
  const test::L0Case c = test::l0_case();
  const std::vector<Estimate> e = l0_estimates(c, kinetic(SamplerKind::baoab, 0.2, false), 40, 4000);
  Real z = 0;
  for (int i = 0; i < 4; ++i) z = std::max(z, e[i].z(c.exact[i]));
  EXPECT_GT(z, kSigmas);
}

TEST_P(Langevin, Reproducibility_KineticSamplersBitIdenticalForAnyThreadCount) {
  const Index N = 2 * 128 + 37;
  const Model big{0.2 * test::random_normal(64, 32, 3), 0.5, Prior::make(PriorKind::l0, 1.0, 0.3)};
  const Matrix X = test::random_normal(64, N, 5);
  for (SamplerKind kind : {SamplerKind::hmc, SamplerKind::ghmc, SamplerKind::baoab}) {
    SCOPED_TRACE(name_of(kind));
    const auto run = [&](int threads, std::uint64_t seed) {
      test::ScopedThreads t(threads);
      test::Sampler sampler(seed, kinetic(kind, 0.02, true, true), g_dtype);
      ChainState chains = ChainState::zeros(big.K(), N);
      for (int i = 0; i < 10; ++i) sampler.step(big, X, chains);
      return chains.U;
    };
    const Matrix one = run(1, 5);
    EXPECT_TRUE(same_bits(one, run(2, 5)));
    EXPECT_FALSE(one.isApprox(run(1, 6)));
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, Langevin, testing::Values(Dtype::float64, Dtype::float32),
                         [](const testing::TestParamInfo<Dtype>& info) { return name_of(info.param); });

}  // namespace
}  // namespace lsc
