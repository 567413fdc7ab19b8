// Checks of the test helpers themselves against closed forms, so that a failure elsewhere
// points at the library and not at the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "gaussian.hpp"
#include "quadrature.hpp"
#include "stats.hpp"

namespace lsc::test {
namespace {

constexpr Real kPi = std::numbers::pi;

TEST(Quadrature, ClosedForms) {
  EXPECT_NEAR(integrate([](Real x) { return std::exp(-x * x); }, -INFINITY, INFINITY),
              std::sqrt(kPi), 1e-12);
  EXPECT_NEAR(integrate([](Real x) { return 1 / (1 + x * x); }, -INFINITY, INFINITY), kPi, 1e-10);
  EXPECT_NEAR(integrate([](Real x) { return std::exp(-2 * x); }, 0.5, INFINITY),
              0.5 * std::exp(-1.0), 1e-12);
  EXPECT_NEAR(integrate([](Real x) { return x * std::exp(x); }, -INFINITY, 1.0), 0.0, 1e-12);
  EXPECT_NEAR(integrate([](Real x) { return std::log(x); }, 0.0, 1.0), -1.0, 1e-10);
  EXPECT_NEAR(integrate([](Real x) { return 1 / std::sqrt(x); }, 0.0, 4.0), 4.0, 1e-10);
  // A heavy tail: ∫ log(1+x²)/(π(1+x²)) = 2 log 2.
  EXPECT_NEAR(integrate([](Real x) { return std::log1p(x * x) / (kPi * (1 + x * x)); }, -INFINITY,
                        INFINITY),
              2 * std::log(2.0), 1e-9);
  EXPECT_NEAR(integrate_2d([](Real x, Real y) { return std::exp(-x - 2 * y) * x; }, 0, INFINITY, 0,
                           INFINITY),
              0.5, 1e-12);
}

TEST(KolmogorovSmirnov, CriticalValuesAndStatistic) {
  // Tabulated asymptotic quantiles of √n·D: 1.3581 (α = 0.05), 1.9495 (α = 0.001).
  const std::size_t n = 1000000;
  const Real scale = std::sqrt(Real(n)) + 0.12 + 0.11 / std::sqrt(Real(n));
  EXPECT_NEAR(ks_critical(n, 0.05) * scale, 1.3581, 1e-4);
  EXPECT_NEAR(ks_critical(n, 1e-3) * scale, 1.9495, 1e-4);
  // Two points against U(0, 1): F_n jumps to ½ at 0.1 (F = 0.1) and to 1 at 0.6.
  EXPECT_DOUBLE_EQ(ks_statistic({0.6, 0.1}, [](Real s) { return s; }), 0.4);
}

TEST(UlaCovariance, MatchesEigenbasisClosedForm) {
  // In the eigenbasis of P each mode is an AR(1) with coefficient 1 − εp, so
  // C = 2Tε / (1 − (1 − εP)²) = T P⁻¹ (I − εP/2)⁻¹.
  const Matrix B = random_normal(3, 3, 5);
  const Matrix P = B * B.transpose() + Matrix::Identity(3, 3);
  const Real eps = 0.1, T = 1.7;
  const Matrix I = Matrix::Identity(3, 3);
  const Matrix expected = T * P.inverse() * (I - 0.5 * eps * P).inverse();
  EXPECT_LT((ula_covariance(P, eps, T) - expected).cwiseAbs().maxCoeff(), 1e-12);
}

}  // namespace
}  // namespace lsc::test
