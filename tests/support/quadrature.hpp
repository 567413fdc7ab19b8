#pragma once
// Reference integrals for the statistical tests: double-exponential quadrature (tanh-sinh on
// finite ranges, exp-sinh on half-lines, sinh-sinh on the whole line). It converges
// exponentially for integrands analytic inside the range, including integrable endpoint
// singularities and algebraic tails (the Cauchy prior), so callers only split at kinks.
#include <functional>

#include "lsc/core/types.hpp"

namespace lsc::test {

// ∫_a^b f(x) dx; a may be −∞ and b may be +∞.
Real integrate(const std::function<Real(Real)>& f, Real a, Real b);

// ∫_{a0}^{b0} ∫_{a1}^{b1} f(x, y) dy dx, as nested one-dimensional rules.
Real integrate_2d(const std::function<Real(Real, Real)>& f, Real a0, Real b0, Real a1, Real b1);

}  // namespace lsc::test
