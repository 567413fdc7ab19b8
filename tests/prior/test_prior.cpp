// The priors' closed forms (normalization, CDF, ⟨C⟩, variance) against quadrature of their own
// log densities, and the special functions against known values. Deterministic: tolerances are
// the quadrature's accuracy (~1e-10, see test_support) with a margin, not Monte Carlo errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "../support/quadrature.hpp"
#include "lsc/core/error.hpp"
#include "lsc/core/special.hpp"
#include "lsc/prior/prior.hpp"

namespace lsc {
namespace {

using test::integrate;
constexpr Real kInf = std::numeric_limits<Real>::infinity();
constexpr Real kTol = 1e-9;

// Priors at parameters away from the defaults, so a formula that ignores λ or π shows up.
std::vector<Prior> priors() {
  return {Prior::make(PriorKind::gaussian, 2.0),  Prior::make(PriorKind::cauchy, 1.0),
          Prior::make(PriorKind::cauchy, 2.5),    Prior::make(PriorKind::laplace, 1.5),
          Prior::make(PriorKind::l1, 0.7),        Prior::make(PriorKind::l0, 1.3, 0.3)};
}

Real density(const Prior& p, Real s) { return std::exp(p.log_density(s)); }
// Mass of the point 0: the spike 1 − π of l0 (π = 1 for every other prior).
Real spike(const Prior& p) { return 1 - p.pi; }
// ∫ f(s) p(s) ds over the continuous part, split at the kink at 0.
Real expect(const Prior& p, const std::function<Real(Real)>& f) {
  const auto g = [&](Real s) { return f(s) * density(p, s); };
  return (p.nonnegative() ? 0.0 : integrate(g, -kInf, 0.0)) + integrate(g, 0.0, kInf);
}

TEST(Prior, DensityIntegratesToOne) {
  for (const Prior& p : priors()) {
    SCOPED_TRACE(p.name() + " lambda " + std::to_string(p.lambda));
    EXPECT_NEAR(spike(p) + expect(p, [](Real) { return 1.0; }), 1.0, kTol);
  }
  // The slab alone holds π.
  EXPECT_NEAR(expect(Prior::make(PriorKind::l0, 1.3, 0.3), [](Real) { return 1.0; }), 0.3, kTol);
}

TEST(Prior, CdfIsTheIntegralOfTheDensity) {
  for (const Prior& p : priors()) {
    SCOPED_TRACE(p.name() + " lambda " + std::to_string(p.lambda));
    const auto d = [&](Real s) { return density(p, s); };
    for (Real s : {-3.0, -0.4, 0.0, 0.25, 1.0, 4.0}) {
      Real F;
      if (p.nonnegative())
        F = s < 0 ? 0.0 : spike(p) + integrate(d, 0.0, s);
      else
        F = s <= 0 ? integrate(d, -kInf, s) : integrate(d, -kInf, 0.0) + integrate(d, 0.0, s);
      EXPECT_NEAR(p.cdf(s), F, kTol) << "s = " << s;
    }
    EXPECT_NEAR(p.cdf(1e12), 1.0, 1e-9);
  }
  // Cauchy λ = 1: ½ + atan(s)/π.
  const Prior c = Prior::make(PriorKind::cauchy, 1.0);
  for (Real s : {-20.0, -1.0, 0.3, 7.0})
    EXPECT_NEAR(c.cdf(s), 0.5 + std::atan(s) / std::numbers::pi, 1e-13);
}

TEST(Prior, ExpectedCostIsThePriorMeanOfTheCost) {
  for (const Prior& p : priors()) {
    SCOPED_TRACE(p.name() + " lambda " + std::to_string(p.lambda));
    // Over the slab for l0: ⟨C⟩ conditional on s ≠ 0.
    const Real slab = expect(p, [](Real) { return 1.0; });
    EXPECT_NEAR(p.expected_cost(), expect(p, [&](Real s) { return p.cost_s(s); }) / slab, kTol);
  }
}

TEST(Prior, VarianceMatchesQuadrature) {
  for (const Prior& p : priors()) {
    SCOPED_TRACE(p.name() + " lambda " + std::to_string(p.lambda));
    if (p.kind == PriorKind::cauchy && p.lambda <= 1.5) {
      // Tails ∝ s^(−2λ): the second moment diverges.
      EXPECT_TRUE(std::isinf(p.variance()));
      continue;
    }
    // The spike adds mass at 0, which contributes nothing to either moment.
    const Real m1 = expect(p, [](Real s) { return s; });
    const Real m2 = expect(p, [](Real s) { return s * s; });
    EXPECT_NEAR(p.variance(), m2 - m1 * m1, kTol);
  }
}

TEST(SpecialFunctions, Digamma) {
  // The library shifts x to ≥ 8 and stops the asymptotic series at the 1/x¹⁰ term, so its error
  // is about the first omitted term, (691/32760)/8¹² ≈ 3e-13; 1e-12 bounds that.
  constexpr Real tol = 1e-12, gamma = 0.57721566490153286061;
  EXPECT_NEAR(digamma(1.0), -gamma, tol);
  EXPECT_NEAR(digamma(0.5), -gamma - 2 * std::log(2.0), tol);
  // Reference values from mpmath (30 digits).
  EXPECT_NEAR(digamma(100.0), 4.60016185273808740020, tol);
  EXPECT_NEAR(digamma(0.25), -4.22745353337626540809, tol);
  EXPECT_NEAR(digamma(3.7), 1.16715353936151144094, tol);
  EXPECT_NEAR(digamma(1.3), digamma(0.3) + 1 / 0.3, tol);  // ψ(x+1) = ψ(x) + 1/x
}

TEST(SpecialFunctions, IncompleteBeta) {
  for (Real x : {0.0, 0.1, 0.5, 0.93, 1.0}) {
    EXPECT_NEAR(incomplete_beta(x, 1, 1), x, 1e-14);
    EXPECT_NEAR(incomplete_beta(x, 3.5, 1), std::pow(x, 3.5), 1e-14);
    EXPECT_NEAR(incomplete_beta(x, 1, 2.5), 1 - std::pow(1 - x, 2.5), 1e-14);
    EXPECT_NEAR(incomplete_beta(x, 2.2, 0.7), 1 - incomplete_beta(1 - x, 0.7, 2.2), 1e-14);
  }
  EXPECT_NEAR(incomplete_beta(0.5, 4.5, 4.5), 0.5, 1e-14);
  // Binomial sum for integer arguments, and mpmath values.
  EXPECT_NEAR(incomplete_beta(0.3, 2, 3), 0.3483, 1e-14);
  EXPECT_NEAR(incomplete_beta(0.8, 0.5, 2.5), 0.99343372817243699761, 1e-13);
  EXPECT_NEAR(incomplete_beta(0.95, 7.5, 0.5), 0.38828590115589204581, 1e-13);
}

TEST(SpecialFunctions, StudentTCdf) {
  for (Real s : {-50.0, -2.0, -0.3, 0.0, 0.7, 3.0}) {
    EXPECT_NEAR(student_t_cdf(s, 1.0), 0.5 + std::atan(s) / std::numbers::pi, 1e-13);
    // λ = 3/2 (ν = 2): the density ∝ (1 + s²)^(−3/2) integrates to ½ + s / (2√(1 + s²)).
    EXPECT_NEAR(student_t_cdf(s, 1.5), 0.5 + s / (2 * std::sqrt(1 + s * s)), 1e-13);
  }
}

TEST(Prior, MakeRejectsBadParameters) {
  for (PriorKind kind : {PriorKind::gaussian, PriorKind::cauchy, PriorKind::laplace, PriorKind::l1,
                         PriorKind::l0})
    for (Real lambda : {0.0, -1.0, kInf, std::nan("")})
      EXPECT_THROW(Prior::make(kind, lambda, 0.5), Error) << "lambda " << lambda;
  EXPECT_THROW(Prior::make(PriorKind::cauchy, 0.5), Error);  // not normalizable
  EXPECT_NO_THROW(Prior::make(PriorKind::cauchy, 0.51));
  for (Real pi : {0.0, -0.1, 1.01, std::nan("")})
    EXPECT_THROW(Prior::make(PriorKind::l0, 1.0, pi), Error) << "pi " << pi;
  EXPECT_DOUBLE_EQ(Prior::make(PriorKind::l0, 1.0, 1.0).u0(), 0.0);
  // π belongs to l0 alone; the other priors ignore it.
  EXPECT_DOUBLE_EQ(Prior::make(PriorKind::laplace, 1.0, 0.3).pi, 1.0);
  EXPECT_NEAR(Prior::make(PriorKind::l0, 2.0, 0.3).u0(), -std::log(0.3) / 2, 1e-15);
  EXPECT_THROW(Prior::kind_from_name("l2"), Error);
  for (const std::string& name : Prior::names())
    EXPECT_EQ(Prior::make(Prior::kind_from_name(name), 1.0, 0.5).name(), name);
}

}  // namespace
}  // namespace lsc
