#pragma once
// Special functions the priors need and the C++ standard library lacks.
#include "lsc/core/types.hpp"

namespace lsc {

// ψ(x), x > 0.
Real digamma(Real x);
// Regularized incomplete beta I_x(a, b).
Real incomplete_beta(Real x, Real a, Real b);
// CDF of the density ∝ (1 + s²)^(−λ), λ > ½ (a scaled Student t with ν = 2λ − 1).
Real student_t_cdf(Real s, Real lambda);

}  // namespace lsc
