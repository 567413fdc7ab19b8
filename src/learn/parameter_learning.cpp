#include "lsc/learn/parameter_learning.hpp"

#include <algorithm>
#include <cmath>

namespace lsc {

void learn_parameters(Model& model, const EngineStats& st, const ParameterRates& rates) {
  Prior& prior = model.prior;
  const Real N = Real(st.chains), NK = Real(st.chains) * Real(st.coefficients);
  // Every drive reads the state before any parameter moves.
  Real du0 = 0, dlambda = 0;
  // eq. 3.13: u̇0 ∝ Σ_i (Aᵀ(As − x))_i 1(s_i > 0) / σ², batch mean.
  if (rates.tau_u0 > 0 && prior.kind == PriorKind::l0) du0 = st.drive_u0 / N / rates.tau_u0;
  // ∂/∂λ log p(s) = ⟨C⟩_prior − C(s) for a normalized prior; over the slab for l0, where
  // log p0(s) = log π + log λ − λ s on s > 0 and π is held fixed. The engine sums λC(s).
  if (rates.tau_lambda > 0)
    dlambda = (prior.expected_cost() * st.slab_count - st.slab_cost / prior.lambda) / NK / rates.tau_lambda;
  if (rates.tau_sigma > 0) {
    const Real mse = st.residual_sq / (N * Real(model.D()));
    const Real var = model.sigma * model.sigma;
    model.sigma = std::sqrt(std::max(var + (mse - var) / rates.tau_sigma, 1e-12));
  }
  if (du0 != 0) {
    const Real u0 = std::max(prior.u0() + du0, 0.0);
    prior.pi = std::clamp(std::exp(-prior.lambda * u0), 1e-6, 1.0);
  }
  if (dlambda != 0) prior.lambda = std::max(prior.lambda + dlambda, 1e-6);
}

EngineStats parameter_statistics(const Model& model, const EnergyEval& eval) {
  EngineStats st;
  const Index K = eval.S.rows(), N = eval.S.cols();
  const bool slab_only = model.prior.kind == PriorKind::l0;
  st.residual_sq = eval.R.squaredNorm();
  for (Index j = 0; j < N; ++j)
    for (Index k = 0; k < K; ++k) {
      const Real s = eval.S(k, j);
      if (s > 0) st.drive_u0 += eval.G(k, j);  // eval.G is Aᵀ(As − x)/σ²
      if (!slab_only || s > 0) {
        st.slab_cost += model.prior.lambda * model.prior.cost_s(s);
        st.slab_count += 1;
      }
    }
  st.chains = static_cast<std::uint64_t>(N);
  st.coefficients = K;
  return st;
}

void learn_parameters(Model& model, const EnergyEval& eval, const ParameterRates& rates) {
  learn_parameters(model, parameter_statistics(model, eval), rates);
}

}  // namespace lsc
