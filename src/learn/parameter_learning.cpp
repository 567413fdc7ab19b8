#include "lsc/learn/parameter_learning.hpp"

#include <algorithm>
#include <cmath>

namespace lsc {

void learn_parameters(Model& model, const EnergyEval& eval, const ParameterRates& rates) {
  const Index K = eval.S.rows(), N = eval.S.cols(), D = eval.R.rows();
  Prior& prior = model.prior;
  const bool slab_only = prior.kind == PriorKind::l0;

  // Statistics of the current state, all computed before any parameter moves.
  Real du0 = 0, dlambda = 0;
  if (rates.tau_u0 > 0 && prior.kind == PriorKind::l0) {
    // eq. 3.13: u̇0 ∝ Σ_i (Aᵀ(As − x))_i 1(s_i > 0) / σ², batch mean. G already holds Aᵀ(As − x)/σ².
    Real sum = 0;
    for (Index j = 0; j < N; ++j)
      for (Index k = 0; k < K; ++k)
        if (eval.S(k, j) > 0) sum += eval.G(k, j);
    du0 = sum / Real(N) / rates.tau_u0;
  }
  if (rates.tau_lambda > 0) {
    // ∂/∂λ log p(s) = ⟨C⟩_prior − C(s) for a normalized prior; over the slab for l0, where
    // log p0(s) = log π + log λ − λ s on s > 0 and π is held fixed.
    const Real expected = prior.expected_cost();
    Real sum = 0;
    for (Index j = 0; j < N; ++j)
      for (Index k = 0; k < K; ++k) {
        const Real s = eval.S(k, j);
        if (!slab_only || s > 0) sum += expected - prior.cost_s(s);
      }
    dlambda = sum / Real(N * K) / rates.tau_lambda;
  }
  if (rates.tau_sigma > 0) {
    const Real mse = eval.R.squaredNorm() / Real(N * D);
    const Real var = model.sigma * model.sigma;
    model.sigma = std::sqrt(std::max(var + (mse - var) / rates.tau_sigma, 1e-12));
  }
  if (du0 != 0) {
    const Real u0 = std::max(prior.u0() + du0, 0.0);
    prior.pi = std::clamp(std::exp(-prior.lambda * u0), 1e-6, 1.0);
  }
  if (dlambda != 0) prior.lambda = std::max(prior.lambda + dlambda, 1e-6);
}

}  // namespace lsc
