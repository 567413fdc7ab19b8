#include "lsc/solver/gradient_flow.hpp"

#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/sampler/langevin.hpp"
#include "lsc/solver/map_solver.hpp"

namespace lsc {

GradientFlow::GradientFlow(Real eps) : eps_(eps) {
  require(eps > 0, "the SSC step size dt/tau_s must be positive; pass a positive --tau-u.");
}

void GradientFlow::step(const Model& model, const Matrix& X, ChainState& chains) {
  require_map_prior(model.prior, "SSC");
  // U holds S here; for the nonnegative priors evaluate() reads s = max(|u|, 0) = u since the
  // prox keeps S ≥ 0.
  evaluate(model, chains.U, X, eval_);
  const Index K = chains.U.rows();
  visit_prior(model.prior, [&](const auto& ops) {
    for_each_column(chains.U.cols(), [&](Index j) {
      for (Index k = 0; k < K; ++k)
        chains.U(k, j) = ops.prox(chains.U(k, j) - eps_ * eval_.G(k, j), eps_);
    });
  });
  ++chains.step;
  check_finite_chains(model, chains.U, chains.step, eps_);
}

}  // namespace lsc
