// The neural-network layers against finite differences, and Adam against hand computation.
//
// Gradients are checked on the scalar L = Σ G ⊙ Y with a fixed random G, so dL/dY = G. Central
// differences with step h have truncation error h²|f'''|/6 and rounding error about
// ε_mach·|L|/h; with h = 1e-5, |L| = O(10) and O(1) third derivatives both are below 1e-9, so
// |fd − analytic| ≤ 1e-7 (1 + |analytic|) leaves a margin of 100 while any wrong factor, sign or
// transpose fails by orders of magnitude (the Sanity test below shows that the check rejects a
// gradient off by 1e-4). The ReLU's kink is kept out of reach: every input is at least 1e-2 from 0.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>

#include "../support/stats.hpp"
#include "lsc/core/error.hpp"
#include "lsc/nn/activation.hpp"
#include "lsc/nn/adam.hpp"
#include "lsc/nn/dense.hpp"
#include "lsc/nn/mlp.hpp"

namespace lsc::nn {
namespace {

constexpr Real kStep = 1e-5;
constexpr Real kTol = 1e-7;

Real central_difference(Real* entry, const std::function<Real()>& f) {
  const Real saved = *entry;
  *entry = saved + kStep;
  const Real up = f();
  *entry = saved - kStep;
  const Real down = f();
  *entry = saved;
  return (up - down) / (2 * kStep);
}

bool close(Real fd, Real analytic) { return std::abs(fd - analytic) <= kTol * (1 + std::abs(analytic)); }

// Checks every entry of `values` (size n) against gradient `grad` of f.
void expect_gradient(Real* values, const Real* grad, Index n, const std::function<Real()>& f, const char* what) {
  for (Index i = 0; i < n; ++i) {
    const Real fd = central_difference(values + i, f);
    EXPECT_TRUE(close(fd, grad[i])) << what << "[" << i << "]: finite difference " << fd << ", analytic " << grad[i];
  }
}

// Inputs at least 1e-2 away from the ReLU kink.
Matrix away_from_zero(Matrix X) {
  return X.unaryExpr([](Real x) { return std::abs(x) < 1e-2 ? (x < 0 ? x - 1e-2 : x + 1e-2) : x; });
}

TEST(NnLayers, CentralDifferenceRejectsAGradientOffByOneInTenThousand) {
  Real x = 0.7;
  const auto f = [&] { return std::sin(x) * 3.0; };
  const Real exact = 3.0 * std::cos(0.7);
  EXPECT_TRUE(close(central_difference(&x, f), exact));
  EXPECT_FALSE(close(central_difference(&x, f), exact * (1 + 1e-4)));
}

TEST(NnLayers, DenseGradientsMatchFiniteDifferences) {
  Dense d = Dense::random(5, 4, 2.0, 1, 0);
  d.b = test::random_normal(4, 1, 2).col(0);
  Matrix X = test::random_normal(5, 3, 3);
  const Matrix G = test::random_normal(4, 3, 4);
  Matrix Y, dX;
  const auto loss = [&] {
    d.forward(X, Y);
    return (G.array() * Y.array()).sum();
  };
  loss();
  const std::vector<Param> p = d.params();
  d.backward(X, Y, G, &dX);
  ASSERT_EQ(p.size(), 2u);
  expect_gradient(p[0].value, p[0].grad, p[0].size, loss, "dW");
  expect_gradient(p[1].value, p[1].grad, p[1].size, loss, "db");
  expect_gradient(X.data(), dX.data(), X.size(), loss, "dX");
  // Exact forms, for the record: dW = G Xᵀ, db = G 1, dX = Wᵀ G.
  EXPECT_LT((d.dW - G * X.transpose()).norm(), 1e-12);
  EXPECT_LT((d.W.transpose() * G - dX).norm(), 1e-12);
}

TEST(NnLayers, ReluAndSigmoidGradientsMatchFiniteDifferences) {
  Matrix X = away_from_zero(2.0 * test::random_normal(6, 4, 5));
  const Matrix G = test::random_normal(6, 4, 6);
  Matrix Y, dX;
  Relu relu;
  Sigmoid sigmoid;
  for (Layer* layer : std::initializer_list<Layer*>{&relu, &sigmoid}) {
    const auto loss = [&] {
      layer->forward(X, Y);
      return (G.array() * Y.array()).sum();
    };
    loss();
    layer->backward(X, Y, G, &dX);
    expect_gradient(X.data(), dX.data(), X.size(), loss, layer->name().c_str());
  }
}

TEST(NnLayers, SigmoidIsExactAndFiniteAtExtremes) {
  EXPECT_EQ(Sigmoid::value(0.0), 0.5);
  // A few rounding errors of 1.1e-16 each; 1 − σ(x) itself is only accurate to that in absolute terms.
  for (Real x : {0.3, 2.0, 15.0, 40.0}) {
    EXPECT_NEAR(Sigmoid::value(x), 1.0 / (1.0 + std::exp(-x)), 5e-16);
    EXPECT_NEAR(Sigmoid::value(-x), 1.0 - Sigmoid::value(x), 5e-16);
    // The negative side keeps full relative precision where 1 − σ(x) has none left.
    EXPECT_NEAR(Sigmoid::value(-x) / (std::exp(-x) / (1.0 + std::exp(-x))), 1.0, 5e-16);
  }
  // 1/(1 + e^800) would overflow e^800; the stable form gives e^−800 = 0 in double.
  EXPECT_EQ(Sigmoid::value(-800.0), 0.0);
  EXPECT_EQ(Sigmoid::value(800.0), 1.0);
  EXPECT_GT(Sigmoid::value(-700.0), 0.0);
}

TEST(NnLayers, MlpBackpropagationMatchesFiniteDifferencesForEveryParameter) {
  Mlp net;
  net.add(std::make_unique<Dense>(Dense::random(4, 6, 2.0, 7, 0))).add(std::make_unique<Relu>());
  net.add(std::make_unique<Dense>(Dense::random(6, 5, 2.0, 7, 1))).add(std::make_unique<Relu>());
  net.add(std::make_unique<Dense>(Dense::random(5, 3, 1.0, 7, 2))).add(std::make_unique<Sigmoid>());
  for (Param p : net.params())  // nonzero biases, so that they matter
    if (p.size <= 6) Eigen::Map<Vector>(p.value, p.size) = 0.1 * test::random_normal(p.size, 1, 8 + p.size).col(0);
  Matrix X = test::random_normal(4, 5, 9);
  const Matrix G = test::random_normal(3, 5, 10);
  Mlp::Trace trace;
  const auto loss = [&] { return (G.array() * net.forward(X, trace).array()).sum(); };
  loss();
  // The check is only valid away from the ReLU kinks: every hidden pre-activation must be at
  // least 1e-3 from zero (a perturbation of 1e-5 in any weight moves it by far less).
  ASSERT_GT(trace[0].cwiseAbs().minCoeff(), 1e-3);  // the trace holds the dense layers' outputs
  ASSERT_GT(trace[2].cwiseAbs().minCoeff(), 1e-3);
  Matrix dX;
  net.backward(X, trace, G, &dX);
  const std::vector<Param> params = net.params();
  ASSERT_EQ(params.size(), 6u);
  for (const Param& p : params) expect_gradient(p.value, p.grad, p.size, loss, "parameter");
  expect_gradient(X.data(), dX.data(), X.size(), loss, "input");
}

TEST(NnLayers, MlpCopyIsDeepAndEvaluatesTheSame) {
  Mlp a;
  a.add(std::make_unique<Dense>(Dense::random(3, 4, 2.0, 11, 0))).add(std::make_unique<Sigmoid>());
  Mlp b = a;
  const Matrix X = test::random_normal(3, 2, 12);
  Mlp::Trace ta, tb;
  EXPECT_EQ(a.forward(X, ta), b.forward(X, tb));
  b.params()[0].value[0] += 1.0;
  EXPECT_NE(a.forward(X, ta), b.forward(X, tb));
}

// He initialization: N(0, gain/in) entries, reproducible from (seed, id), different across ids.
// 400·500 = 2e5 entries: the sample variance has relative standard error √(2/n) = 0.32 %, the
// mean a standard error of √(gain/in / n); both are checked at 4 standard errors.
TEST(NnLayers, RandomDenseHasTheStatedVarianceAndIsKeyedBySeedAndId) {
  const Index in = 400, out = 500;
  const Real gain = 2.0, n = Real(in * out);
  const Dense d = Dense::random(in, out, gain, 3, 5);
  const Real var = gain / Real(in);
  const Real mean = d.W.mean();
  const Real sample_var = (d.W.array() - mean).square().sum() / (n - 1);
  EXPECT_LT(std::abs(mean), 4 * std::sqrt(var / n));
  EXPECT_LT(std::abs(sample_var / var - 1), 4 * std::sqrt(2 / n));
  EXPECT_EQ(d.b, Vector::Zero(out));
  EXPECT_EQ(Dense::random(in, out, gain, 3, 5).W, d.W);
  EXPECT_GT((Dense::random(in, out, gain, 3, 6).W - d.W).norm(), 1.0);
  EXPECT_GT((Dense::random(in, out, gain, 4, 5).W - d.W).norm(), 1.0);
}

TEST(NnLayers, DenseRejectsInputOfTheWrongSize) {
  const Dense d(3, 2);
  Matrix Y;
  EXPECT_THROW(d.forward(Matrix::Zero(4, 1), Y), Error);
}

// Adam by hand (Kingma & Ba, Algorithm 1). Step 1: m = (1 − β1)g, v = (1 − β2)g², so
// m̂ = g, v̂ = g² and θ moves by lr·g/(|g| + ε). Step 2 with gradient g2:
// m = β1(1 − β1)g + (1 − β1)g2, v = β2(1 − β2)g² + (1 − β2)g2², divided by 1 − β^2.
TEST(NnAdam, TwoStepsMatchHandComputation) {
  Vector theta(3), grad(3);
  theta << 1.0, -2.0, 0.5;
  const Vector theta0 = theta;
  const std::vector<Param> p = {{theta.data(), grad.data(), 3}};
  const AdamOptions o{0.01, 0.9, 0.999, 1e-8};
  Adam adam(p, o);
  const Vector g1 = (Vector(3) << 0.3, -4.0, 1e-9).finished();
  grad = g1;
  adam.step(p);
  Vector expect = theta0;
  for (int i = 0; i < 3; ++i) expect(i) -= o.lr * g1(i) / (std::abs(g1(i)) + o.eps);
  EXPECT_LT((theta - expect).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_EQ(adam.t(), 1u);

  const Vector g2 = (Vector(3) << -0.1, 2.0, 3.0).finished();
  grad = g2;
  adam.step(p);
  for (int i = 0; i < 3; ++i) {
    const Real m = o.beta1 * (1 - o.beta1) * g1(i) + (1 - o.beta1) * g2(i);
    const Real v = o.beta2 * (1 - o.beta2) * g1(i) * g1(i) + (1 - o.beta2) * g2(i) * g2(i);
    const Real m_hat = m / (1 - o.beta1 * o.beta1), v_hat = v / (1 - o.beta2 * o.beta2);
    expect(i) -= o.lr * m_hat / (std::sqrt(v_hat) + o.eps);
  }
  EXPECT_LT((theta - expect).cwiseAbs().maxCoeff(), 1e-15);
}

// On the ill-conditioned quadratic ½ Σ a_i (θ_i − c_i)² (curvatures 1e-2 … 1e2) Adam reaches
// the minimum to within a small multiple of lr in every coordinate, whatever the curvature: its
// steps are scale-free. Gradient descent at a stable rate would need ~1e4 steps for the flattest
// direction.
TEST(NnAdam, ConvergesOnAnIllConditionedQuadratic) {
  Vector theta = Vector::Zero(3), grad(3);
  const Vector a = (Vector(3) << 1e-2, 1.0, 1e2).finished();
  const Vector c = (Vector(3) << 3.0, -1.0, 0.5).finished();
  const std::vector<Param> p = {{theta.data(), grad.data(), 3}};
  const Real lr = 0.01;
  Adam adam(p, {lr, 0.9, 0.999, 1e-8});
  for (int t = 0; t < 3000; ++t) {
    grad = a.cwiseProduct(theta - c);
    adam.step(p);
  }
  EXPECT_LT((theta - c).cwiseAbs().maxCoeff(), 5 * lr) << theta.transpose();
}

TEST(NnAdam, RestoredStateContinuesBitExactly) {
  Vector t1 = Vector::Constant(2, 1.0), t2, g(2);
  const std::vector<Param> p1 = {{t1.data(), g.data(), 2}};
  Adam a1(p1, {});
  auto grad_at = [&](const Vector& th) { g = th.array().sin(); };
  for (int i = 0; i < 5; ++i) {
    grad_at(t1);
    a1.step(p1);
  }
  t2 = t1;
  const std::vector<Param> p2 = {{t2.data(), g.data(), 2}};
  Adam a2(p2, {});
  a2.restore(a1.t(), a1.first_moments(), a1.second_moments());
  for (int i = 0; i < 5; ++i) {
    grad_at(t1);
    a1.step(p1);
    grad_at(t2);
    a2.step(p2);
  }
  EXPECT_EQ(t1, t2);
  EXPECT_THROW(a2.restore(1, {Vector::Zero(3)}, {Vector::Zero(3)}), Error);
}

TEST(NnAdam, RejectsBadOptions) {
  Vector t(1), g(1);
  const std::vector<Param> p = {{t.data(), g.data(), 1}};
  EXPECT_THROW(Adam(p, {0.0}), Error);
  EXPECT_THROW(Adam(p, {1e-3, 1.0}), Error);
}

}  // namespace
}  // namespace lsc::nn
