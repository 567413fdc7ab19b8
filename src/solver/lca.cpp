#include "lsc/solver/lca.hpp"

#include <algorithm>

#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"

namespace lsc {

Lca::Lca(LcaOptions options) : options_(options) {}

void Lca::solve(const Model& model, const Matrix& X, Matrix& S) {
  require_map_prior(model.prior, "LCA");
  require(model.prior.kind != PriorKind::cauchy,
          "LCA needs a convex cost with a threshold function; use --prior l1, laplace or gaussian with"
          " LCA, or --method map for the Cauchy prior.");
  const Real var = model.sigma * model.sigma;
  // The LCA map is contractive for η·max eig(AᵀA) < 2; stay well inside that.
  const Real eta = std::min(options_.eta, 1.0 / std::max(lipschitz_constant(model) * var, 1e-12));
  const Index K = S.rows(), N = S.cols();
  visit_prior(model.prior, [&](const auto& ops) {
    // Start u at a preimage of the warm start: u = s plus the threshold on active units.
    U_ = S;
    for_each_column(N, [&](Index j) {
      for (Index k = 0; k < K; ++k) {
        const Real s = S(k, j);
        if (s != 0) U_(k, j) = s + var * ops.dcost(s);
      }
    });
    for (int it = 0; it < options_.steps; ++it) {
      R_.noalias() = model.A * S;
      R_ = X - R_;
      U_ += eta * (S - U_);
      U_.noalias() += eta * (model.A.transpose() * R_);
      for_each_column(N, [&](Index j) {
        for (Index k = 0; k < K; ++k) S(k, j) = ops.prox(U_(k, j), var);
      });
    }
  });
}

}  // namespace lsc
