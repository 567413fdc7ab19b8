#pragma once
// Exact answers for the Gaussian prior, the oracle of the sampler and MAP tests.
#include "lsc/model/model.hpp"

namespace lsc::test {

// Posterior N(μ, Σ) of s given one data point x under a Gaussian prior of precision λ:
// P = Σ⁻¹ = AᵀA/σ² + λI, μ = Σ Aᵀx/σ².
struct GaussianPosterior {
  Matrix P, Sigma;
  Vector mu;
};
GaussianPosterior gaussian_posterior(const Model& model, const Vector& x);

// Exact stationary covariance of the Euler-Maruyama chain u' = u − εP(u − μ) + √(2Tε) ξ:
// the solution of the discrete Lyapunov equation C = M C Mᵀ + 2Tε I, M = I − εP, found by
// vectorization, (I − M⊗M) vec C = 2Tε vec I. Its mean is exactly μ.
Matrix ula_covariance(const Matrix& P, Real eps, Real temperature = 1);

}  // namespace lsc::test
