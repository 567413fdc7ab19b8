// The SVAE (SVAE §3-4) against exact answers:
//  (a) the gradient of the training objective with respect to every encoder weight and Φ matches
//      central differences, for each prior, and on the paper's architecture for sampled weights;
//  (b) the ELBO estimator's every constant: with a Gaussian prior the ELBO of a diagonal Gaussian
//      q is closed form, and log p(x) = log N(x; 0, σ²I + ΦΦᵀ); with Laplace and Cauchy priors and
//      K = 1, the ELBO and log p(x) are one-dimensional integrals (quadrature);
//  (c) ELBO ≤ log p(x) at random weights, for all three priors, and equality for the exact
//      posterior when it is diagonal;
//  (d) a short training on data from a Gaussian-prior linear model raises the ELBO to within the
//      gap that a diagonal q must leave (see MeanFieldGap below) of the exact log-likelihood;
//  (e) reproducibility: a restored learner continues bit-exactly.
//
// Monte Carlo comparisons allow kSigmas = 4 standard errors of the estimate (the spread of the
// draws within each point, ElboEstimate::mc_se); with about ten such comparisons in this file a
// false failure has probability below 1e-3. Finite differences: see tests/nn/test_layers.cpp for
// the tolerance; the objective here is O(100) nats, so the rounding part ε_mach·|f|/h is 2e-9.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>

#include "../support/gaussian.hpp"
#include "../support/quadrature.hpp"
#include "../support/stats.hpp"
#include "../support/temp_dir.hpp"
#include "lsc/core/error.hpp"
#include "lsc/data/batch_source.hpp"
#include "lsc/learn/svae.hpp"
#include "lsc/nn/activation.hpp"

namespace lsc {
namespace {

constexpr Real kSigmas = 4;
const Real kSigma = std::exp(-1.0);  // σ² = e^−2 (SVAE §4.2)
constexpr Real kTwoPi = 2 * std::numbers::pi;

Model decoder(Index D, Index K, PriorKind prior, std::uint64_t seed, Real scale = 1.0) {
  return Model{scale * random_dictionary(D, K, seed), kSigma, Prior::make(prior, 1.0)};
}

// x = Φz + ε with z from the Gaussian prior N(0, I/λ), one column per point.
Matrix gaussian_model_data(const Model& m, Index N, std::uint64_t seed) {
  return m.A * test::random_normal(m.K(), N, seed) / std::sqrt(m.prior.lambda) +
         m.sigma * test::random_normal(m.D(), N, seed + 1);
}

// log N(x; 0, σ²I + ΦΦᵀ/λ) of every column: the exact log-likelihood under a Gaussian prior.
RowVector exact_log_likelihood(const Model& m, const Matrix& X) {
  const Index D = m.D();
  const Matrix C = m.sigma * m.sigma * Matrix::Identity(D, D) + m.A * m.A.transpose() / m.prior.lambda;
  const Eigen::LLT<Matrix> llt(C);
  const Real log_det = 2 * llt.matrixL().toDenseMatrix().diagonal().array().log().sum();
  const Matrix W = llt.solve(X);
  return (-0.5 * (Real(D) * std::log(kTwoPi) + log_det) - 0.5 * (X.cwiseProduct(W)).colwise().sum().array()).matrix();
}

// E_q log N(x; Φz, σ²I) for q = N(μ, diag v): the squared error of the mean plus Σ v_k ‖Φ_k‖².
RowVector expected_log_lik(const Model& m, const Matrix& X, const Matrix& mu, const Matrix& v) {
  const Real s2 = m.sigma * m.sigma;
  const RowVector col_norms = m.A.colwise().squaredNorm();
  RowVector out(X.cols());
  for (Index n = 0; n < X.cols(); ++n)
    out(n) = -((X.col(n) - m.A * mu.col(n)).squaredNorm() + col_norms * v.col(n)) / (2 * s2) -
             0.5 * Real(m.D()) * std::log(kTwoPi * s2);
  return out;
}

RowVector entropy(const Matrix& v) { return (0.5 * (kTwoPi * std::numbers::e * v.array()).log()).colwise().sum(); }

// The Gaussian prior's ELBO in closed form: E_q log p(z) = Σ ½ log(λ/2π) − ½λ(μ² + v).
RowVector gaussian_elbo(const Model& m, const Matrix& X, const Matrix& mu, const Matrix& v) {
  const Real lambda = m.prior.lambda;
  const RowVector prior = (0.5 * std::log(lambda / kTwoPi) - 0.5 * lambda * (mu.array().square() + v.array()))
                              .colwise()
                              .sum();
  return expected_log_lik(m, X, mu, v) + prior + entropy(v);
}

// ---------------------------------------------------------------------------------------------
// (a) Gradients.

constexpr Real kStep = 1e-5;

Real central_difference(Real* entry, const std::function<Real()>& f) {
  const Real saved = *entry;
  *entry = saved + kStep;
  const Real up = f();
  *entry = saved - kStep;
  const Real down = f();
  *entry = saved;
  return (up - down) / (2 * kStep);
}

// Smallest |input| of any ReLU of the network on X, and the network's output.
Real min_relu_input(const nn::Mlp& net, const Matrix& X, Matrix& out) {
  nn::Mlp::Trace trace;
  out = net.forward(X, trace);
  Real m = INFINITY;
  for (std::size_t i = 1; i < net.size(); ++i)
    if (net.layer(i).name() == "relu") m = std::min(m, trace[i - 1].cwiseAbs().minCoeff());
  return m;
}

// Checks d(objective)/dθ = −(gradient of the loss) for the entries `every` apart of every tensor.
void expect_objective_gradient(Svae& svae, const Matrix& X, const Matrix& noise, Index every, Real min_gap) {
  // Away from the kinks of the ReLUs and, for Laplace, of |z| at 0: a step of 1e-5 in one weight
  // moves any pre-activation or z by far less than these distances.
  Matrix H, out;
  ASSERT_GT(min_relu_input(svae.shared_net(), X, H), min_gap);
  ASSERT_GT(min_relu_input(svae.mean_net(), H, out), min_gap);
  ASSERT_GT(min_relu_input(svae.variance_net(), H, out), min_gap);
  const Real value = svae.gradient(X, noise);
  EXPECT_NEAR(value, svae.objective(X, noise), 1e-12 * std::abs(value));
  ASSERT_GT(svae.last_draws().cwiseAbs().minCoeff(), min_gap);
  const auto f = [&] { return svae.objective(X, noise); };
  const std::vector<nn::Param> params = svae.params();
  Index checked = 0;
  Real worst = 0;
  for (std::size_t t = 0; t < params.size(); ++t) {
    const nn::Param& p = params[t];
    for (Index i = t % 2; i < p.size; i += every) {  // t % 2: both parities get visited
      const Real analytic = -p.grad[i];
      const Real fd = central_difference(p.value + i, f);
      const Real err = std::abs(fd - analytic) / (1 + std::abs(analytic));
      worst = std::max(worst, err);
      EXPECT_LT(err, 1e-7) << "tensor " << t << " entry " << i << ": finite difference " << fd << ", analytic " << analytic;
      ++checked;
    }
  }
  std::cout << "checked " << checked << " weights, worst relative error " << worst << "\n";
}

class SvaeGradient : public ::testing::TestWithParam<PriorKind> {};

TEST_P(SvaeGradient, MatchesFiniteDifferencesForEveryWeight) {
  const Index D = 4, K = 3, N = 5;
  const int m = 2;
  Svae svae(decoder(D, K, GetParam(), 1, 2.0), {6, 5, 7}, 2);
  // Nonzero biases everywhere, so that their gradients are exercised away from zero.
  for (nn::Param p : svae.params())
    if (p.size <= 7) Eigen::Map<Vector>(p.value, p.size) = 0.2 * test::random_normal(p.size, 1, 3 + p.size).col(0);
  const Matrix X = 2.0 * test::random_normal(D, N, 4);
  Matrix noise;
  Svae::draw_noise(Philox(5), 0, K, N, m, noise);
  expect_objective_gradient(svae, X, noise, 1, 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Priors, SvaeGradient,
                         ::testing::Values(PriorKind::gaussian, PriorKind::cauchy, PriorKind::laplace),
                         [](const auto& info) { return Prior{info.param}.name(); });

// The paper's network (128 shared, 256 and 512 per branch) on D = 16, K = 24: every 211th weight
// of every tensor (about 1 700 of 356 000).
TEST(Svae, PaperArchitectureGradientMatchesFiniteDifferences) {
  const Index D = 16, K = 24, N = 3;
  Svae svae(decoder(D, K, PriorKind::cauchy, 6), SvaeArchitecture{}, 7);
  const Matrix X = test::random_normal(D, N, 8);
  Matrix noise;
  Svae::draw_noise(Philox(9), 0, K, N, 1, noise);
  expect_objective_gradient(svae, X, noise, 211, 1e-4);
}

// ---------------------------------------------------------------------------------------------
// (b, c) The ELBO against exact values.

// log p(z) = log p(0) − λC(z): the identity the estimator evaluates the priors by.
TEST(Svae, PriorLogDensityIsLogP0MinusCost) {
  for (PriorKind kind : {PriorKind::gaussian, PriorKind::cauchy, PriorKind::laplace}) {
    const Prior prior = Prior::make(kind, 1.0);
    visit_prior(prior, [&](const auto& ops) {
      for (Real z : {-7.0, -1.3, -0.2, 0.0, 0.4, 2.5, 30.0})
        EXPECT_NEAR(prior.log_density(z), prior.log_density(0.0) - ops.cost(z), 1e-13) << prior.name() << " " << z;
    });
  }
  // SVAE eq. 27-29 at λ = 1.
  EXPECT_NEAR(Prior::make(PriorKind::laplace, 1.0).log_density(0.7), std::log(0.5) - 0.7, 1e-15);
  EXPECT_NEAR(Prior::make(PriorKind::cauchy, 1.0).log_density(0.7), -std::log(std::numbers::pi * 1.49), 1e-15);
  EXPECT_NEAR(Prior::make(PriorKind::gaussian, 1.0).log_density(0.7), -0.5 * std::log(kTwoPi) - 0.245, 1e-15);
}

// Gaussian prior, D = 6, K = 9 (overcomplete), random encoder: the estimator agrees with the
// closed-form ELBO, and the ELBO lies below the exact log-likelihood for every point.
TEST(Svae, GaussianElboEstimateMatchesClosedFormAndBoundsTheLikelihood) {
  const Model m = decoder(6, 9, PriorKind::gaussian, 11, 1.5);
  const Svae svae(m, {16, 16, 16}, 12);
  const Matrix X = gaussian_model_data(m, 40, 13);
  Matrix mu, v;
  svae.encode(X, mu, v);
  ASSERT_TRUE((v.array() > 0).all() && (v.array() < 1).all());  // the sigmoid's range
  const RowVector closed = gaussian_elbo(m, X, mu, v);
  const RowVector exact = exact_log_likelihood(m, X);
  const ElboEstimate e = svae.elbo(X, 4000, 14);
  std::cout << "ELBO estimate " << e.mean << " ± " << e.mc_se << ", closed form " << closed.mean()
            << ", exact log p(x) " << exact.mean() << "\n";
  EXPECT_LT(std::abs(e.mean - closed.mean()), kSigmas * e.mc_se);
  for (Index n = 0; n < X.cols(); ++n) EXPECT_LT(closed(n), exact(n)) << "point " << n;
  EXPECT_LT(e.mean, exact.mean() + kSigmas * e.mc_se);
  // The encoder's own path gives the same draws as an explicit q.
  const ElboEstimate same = svae.elbo(X, mu, v, 4000, 14);
  EXPECT_NEAR(same.mean, e.mean, 1e-10 * std::abs(e.mean));
}

// With orthogonal columns of Φ the exact posterior N(P⁻¹Φᵀx/σ², P⁻¹), P = ΦᵀΦ/σ² + I, is
// diagonal, so q can equal it and the bound is tight: the closed form equals log p(x) to
// rounding, and the estimator agrees with it within its standard error. A wrong constant
// anywhere (½ log 2πe, D/2 log 2πσ², the prior's normalizer) would show here.
TEST(Svae, ElboIsTightAtTheExactDiagonalPosterior) {
  const Index D = 7, K = 4;
  const Matrix Q = Eigen::HouseholderQR<Matrix>(test::random_normal(D, K, 15)).householderQ() * Matrix::Identity(D, K);
  const Vector scales = (Vector(K) << 0.5, 1.0, 1.7, 2.4).finished();
  const Model m{Q * scales.asDiagonal(), kSigma, Prior::make(PriorKind::gaussian, 1.0)};
  const Svae svae(m, {8, 8, 8}, 16);
  const Matrix X = gaussian_model_data(m, 30, 17);
  Matrix mu(K, X.cols()), v(K, X.cols());
  for (Index n = 0; n < X.cols(); ++n) {
    const test::GaussianPosterior post = test::gaussian_posterior(m, X.col(n));
    ASSERT_LT((post.Sigma - Matrix(post.Sigma.diagonal().asDiagonal())).norm(), 1e-12);
    mu.col(n) = post.mu;
    v.col(n) = post.Sigma.diagonal();
  }
  const RowVector exact = exact_log_likelihood(m, X);
  EXPECT_LT((gaussian_elbo(m, X, mu, v) - exact).cwiseAbs().maxCoeff(), 1e-10);
  const ElboEstimate e = svae.elbo(X, mu, v, 4000, 18);
  EXPECT_LT(std::abs(e.mean - exact.mean()), kSigmas * e.mc_se) << e.mean << " vs " << exact.mean();
}

// Laplace and Cauchy priors with K = 1, D = 2: log p(x) = log ∫ N(x; φz, σ²I) p(z) dz and the
// exact ELBO's prior term ∫ N(z; μ, v) log p(z) dz by quadrature (split at the Laplace kink).
class SparseElbo : public ::testing::TestWithParam<PriorKind> {};

TEST_P(SparseElbo, EstimateMatchesQuadratureAndBoundsTheLikelihood) {
  const Model m = decoder(2, 1, GetParam(), 19, 2.0);
  const Svae svae(m, {8, 8, 8}, 20);
  const Index N = 12;
  // Data from the model itself: z from the prior by inverting its CDF on a grid of quantiles.
  Matrix X = m.sigma * test::random_normal(2, N, 21);
  for (Index n = 0; n < N; ++n) {
    const Real u = (Real(n) + 0.5) / Real(N);
    Real lo = -1e3, hi = 1e3;
    for (int it = 0; it < 200; ++it) ((m.prior.cdf(0.5 * (lo + hi)) < u) ? lo : hi) = 0.5 * (lo + hi);
    X.col(n) += m.A.col(0) * 0.5 * (lo + hi);
  }
  Matrix mu, v;
  svae.encode(X, mu, v);
  const ElboEstimate e = svae.elbo(X, 4000, 22);
  const RowVector lik = expected_log_lik(m, X, mu, v), H = entropy(v);
  Real exact_elbo_sum = 0, exact_loglik_sum = 0;
  for (Index n = 0; n < N; ++n) {
    const Real mn = mu(0, n), sn = std::sqrt(v(0, n));
    const auto q_log_prior = [&](Real z) {
      const Real t = (z - mn) / sn;
      return std::exp(-0.5 * t * t) / (sn * std::sqrt(kTwoPi)) * m.prior.log_density(z);
    };
    const Real elbo = lik(n) + test::integrate(q_log_prior, -INFINITY, 0) + test::integrate(q_log_prior, 0, INFINITY) + H(n);
    const auto log_joint = [&](Real z) {
      return -(X.col(n) - m.A.col(0) * z).squaredNorm() / (2 * m.sigma * m.sigma) - std::log(kTwoPi * m.sigma * m.sigma) +
             m.prior.log_density(z);
    };
    Real peak = -INFINITY;  // factored out so that the integrand is O(1) at its maximum
    for (Real z = -20; z <= 20; z += 1e-3) peak = std::max(peak, log_joint(z));
    const auto joint = [&](Real z) { return std::exp(log_joint(z) - peak); };
    const Real loglik = peak + std::log(test::integrate(joint, -INFINITY, 0) + test::integrate(joint, 0, INFINITY));
    EXPECT_LT(elbo, loglik) << "point " << n;
    exact_elbo_sum += elbo;
    exact_loglik_sum += loglik;
  }
  const Real exact_elbo = exact_elbo_sum / Real(N), exact_loglik = exact_loglik_sum / Real(N);
  std::cout << Prior{GetParam()}.name() << ": ELBO estimate " << e.mean << " ± " << e.mc_se << ", exact ELBO "
            << exact_elbo << ", log p(x) " << exact_loglik << "\n";
  EXPECT_LT(std::abs(e.mean - exact_elbo), kSigmas * e.mc_se);
  EXPECT_LT(e.mean, exact_loglik + kSigmas * e.mc_se);
}

INSTANTIATE_TEST_SUITE_P(Priors, SparseElbo, ::testing::Values(PriorKind::cauchy, PriorKind::laplace),
                         [](const auto& info) { return Prior{info.param}.name(); });

// ---------------------------------------------------------------------------------------------
// (d) Training on data from a Gaussian-prior linear model.
//
// The expected gap. For a fixed Φ the exact posterior is N(m(x), P⁻¹), P = ΦᵀΦ/σ² + I, with a
// full covariance; the best diagonal q has the same mean and variances 1/P_kk and leaves
//   log p(x) − ELBO = KL(q ‖ posterior) = ½(Σ_k log P_kk − log det P) =: G(Φ) ≥ 0,
// the same for every x. So ELBO ≤ log p(x) − G(Φ) point by point, for any encoder (a theorem,
// checked exactly below), and a well-trained encoder comes close to it. G(Φ) vanishes when Φ's
// columns are orthogonal; since p(x) = N(0, σ²I + ΦΦᵀ) does not change under Φ → ΦR (R
// orthogonal), the ELBO's maximum is the maximum likelihood itself (Lucas et al. 2019, "Don't
// blame the ELBO"), but the rotation toward orthogonal columns is slow, so a short run keeps a
// part of G(Φ). The true Φ here has correlated columns (G = 0.35 nats).
//
// Thresholds from a sweep over 8 seeds of data, start and noise (this size, lr 2e-3, 8000
// steps): the learned model's held-out log p(x) was 0.0007-0.0084 nats below the true model's,
// G(learned Φ) 0.0000-0.0087, and the encoder's own gap log p(x) − G − ELBO 0.052-0.099 nats
// (a 32-unit ReLU network approximating the linear posterior mean under gradient noise). The
// bounds below are about 1.5-3 times the worst of these; the ELBO rose by about 27 nats.
Real mean_field_gap(const Model& m) {
  const Matrix P = m.A.transpose() * m.A / (m.sigma * m.sigma) + Matrix::Identity(m.K(), m.K());
  return 0.5 * (P.diagonal().array().log().sum() - std::log(P.determinant()));
}

TEST(Svae, TrainingOnGaussianModelDataApproachesTheExactLikelihood) {
  test::ScopedThreads one(1);
  const Index D = 5, K = 3;
  Matrix A_true(D, K);
  A_true << 1.0, 0.6, 0.0,  //
      0.5, 1.0, 0.3,        //
      0.0, 0.4, 1.0,        //
      -0.5, 0.0, 0.6,       //
      0.2, -0.3, 0.4;
  const Model truth{A_true, kSigma, Prior::make(PriorKind::gaussian, 1.0)};
  const ArraySource train_data(gaussian_model_data(truth, 20000, 23), 24);
  const Matrix X_test = gaussian_model_data(truth, 2000, 25);

  LearnerOptions o;
  o.batch = 32;
  o.tau_x = 1;
  SvaeOptions so;
  so.architecture = {32, 32, 32};
  so.adam.lr = 2e-3;
  so.seed = 26;
  SvaeLearner learner(Model{random_dictionary(D, K, 27), kSigma, truth.prior}, train_data, o, so);
  const auto test_elbo = [&] { return learner.svae().elbo(X_test, 20, 28); };
  const ElboEstimate before = test_elbo();
  for (int t = 0; t < 8000; ++t) learner.step();
  const ElboEstimate after = test_elbo();

  const Model& learned = learner.model();
  const Real loglik_truth = exact_log_likelihood(truth, X_test).mean();
  const RowVector loglik = exact_log_likelihood(learned, X_test);
  const Real G = mean_field_gap(learned);
  Matrix mu, v;
  learner.svae().encode(X_test, mu, v);
  const RowVector closed = gaussian_elbo(learned, X_test, mu, v);
  std::cout << "test ELBO " << before.mean << " -> " << after.mean << " ± " << after.mc_se << " (closed form "
            << closed.mean() << "); log p(x): learned " << loglik.mean() << ", true model " << loglik_truth
            << "; mean-field gap G " << G << " (true model " << mean_field_gap(truth) << ")\n";

  EXPECT_GT(after.mean, before.mean + 10);
  EXPECT_LT(std::abs(after.mean - closed.mean()), kSigmas * after.mc_se);
  // The theorem: no diagonal q beats log p(x) − G(Φ), point by point.
  for (Index n = 0; n < X_test.cols(); ++n) ASSERT_LE(closed(n), loglik(n) - G + 1e-9) << "point " << n;
  // The learned model is about as likely as the truth on held-out data, its columns rotated to
  // (nearly) remove the mean-field gap, and the ELBO is close to the exact log-likelihood.
  EXPECT_GT(loglik.mean(), loglik_truth - 0.03);
  EXPECT_LT(G, 0.03);
  EXPECT_LT(loglik.mean() - closed.mean(), 0.15);
}

// ---------------------------------------------------------------------------------------------
// (e) Reproducibility and errors.

TEST(Svae, RestoredLearnerContinuesBitExactly) {
  const Model m = decoder(6, 8, PriorKind::laplace, 30);
  const ArraySource data(gaussian_model_data(m, 500, 31), 32);
  LearnerOptions o;
  o.batch = 16;
  o.tau_x = 1;
  SvaeOptions so;
  so.architecture = {8, 8, 8};
  so.samples = 2;
  so.seed = 33;
  SvaeLearner a(m, data, o, so);
  for (int t = 0; t < 30; ++t) a.step();
  const LearnerState saved = a.state();
  for (int t = 0; t < 20; ++t) a.step();

  SvaeLearner b(decoder(6, 8, PriorKind::laplace, 99), data, o, so);  // another start, overwritten
  b.restore(saved);
  for (int t = 0; t < 20; ++t) b.step();
  EXPECT_EQ(a.model().A, b.model().A);
  EXPECT_EQ(a.state().extra, b.state().extra);
  EXPECT_EQ(a.steps_taken(), 50u);
  EXPECT_EQ(b.steps_taken(), 50u);

  LearnerState wrong = saved;
  wrong.extra.pop_back();
  EXPECT_THROW(b.restore(wrong), Error);
}

TEST(Svae, RejectsPriorsWithoutADensityOnTheLineAndMismatchedData) {
  const Model l0{random_dictionary(4, 3, 1), kSigma, Prior::make(PriorKind::l0, 1.0, 0.3)};
  const std::string msg = test::error_of([&] { Svae(l0, {4, 4, 4}, 0); });
  EXPECT_NE(msg.find("--prior cauchy"), std::string::npos) << msg;
  const Svae svae(decoder(4, 3, PriorKind::cauchy, 1), {4, 4, 4}, 0);
  Matrix mu, v;
  EXPECT_THROW(svae.encode(Matrix::Zero(5, 2), mu, v), Error);
  EXPECT_THROW(svae.elbo(Matrix::Zero(4, 2), 0, 1), Error);
}

}  // namespace
}  // namespace lsc
