#pragma once
// The exact log-likelihood of the linear model under a Gaussian prior, the oracle of the AIS
// evaluator (SVAE §5: "with a Gaussian prior the exact log-likelihood is N(x; 0, σ²I + ΦΦᵀ)").
// With s ~ N(0, v I) and x = A s + n, n ~ N(0, σ² I), x is Gaussian with covariance
// C = σ² I + v A Aᵀ, v the prior's variance (1/λ for p(s) ∝ exp(−λ s²/2)).
#include "lsc/core/types.hpp"
#include "lsc/model/model.hpp"

namespace lsc {

// log N(x_n; 0, σ² I + v A Aᵀ) for every column x_n of X (D×N), in nats, through one Cholesky
// factor of the D×D covariance. Throws Error for mismatched shapes, non-finite data or v < 0.
Vector gaussian_log_likelihood(const Matrix& A, Real sigma, Real prior_variance, const Matrix& X);

// The same for a model with the Gaussian prior (v = model.prior.variance()); throws Error for
// any other prior, whose marginal likelihood is not Gaussian (use ais_log_likelihood).
Vector gaussian_log_likelihood(const Model& model, const Matrix& X);

}  // namespace lsc
