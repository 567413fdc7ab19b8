#include "lsc/solver/lca.hpp"

#include <algorithm>
#include <cmath>

#include "column_blocks.hpp"
#include "lsc/core/error.hpp"

namespace lsc {

namespace {

// The LCA iterations on one block of columns, from the warm start in S. With
// V = η Aᵀ(X − A S), one step is u ← u + η(s − u) + V, s = prox_{σ²λC}(u), the update of u,
// the threshold and the stopping test fused into one pass over the block.
template <class Ops>
void lca_block(const Ops& ops, const LcaOptions& o, Real eta, Real var, const detail::CorrelationStep& step,
               const Eigen::Ref<const Matrix>& X, Eigen::Ref<Matrix> S, Matrix& U, Matrix& V,
               detail::CorrelationWork& w) {
  const Index K = S.rows(), n = S.cols();
  step.bind(X, w);
  // Start u at a preimage of the warm start: u = s plus the threshold on active units.
  U = S;
  for (Index j = 0; j < n; ++j)
    for (Index k = 0; k < K; ++k)
      if (S(k, j) != 0) U(k, j) += var * ops.dcost(S(k, j));
  for (int it = 0; it < o.steps; ++it) {
    step.apply(X, S, V, w);
    Real largest = 0;
    for (Index j = 0; j < n; ++j) {
      Real* s = S.col(j).data();
      Real* u = U.col(j).data();
      const Real* v = V.col(j).data();
#pragma omp simd reduction(max : largest)  // as in proximal_gradient.cpp
      for (Index k = 0; k < K; ++k) {
        u[k] += eta * (s[k] - u[k]) + v[k];
        const Real next = ops.prox(u[k], var);
        largest = std::max(largest, std::abs(next - s[k]));
        s[k] = next;
      }
    }
    if (o.tolerance > 0 && largest < o.tolerance) break;
  }
}

}  // namespace

Lca::Lca(LcaOptions options) : options_(options) {}

void Lca::solve(const Model& model, const Matrix& X, Matrix& S) {
  require_map_prior(model.prior, "LCA");
  require(model.prior.kind != PriorKind::cauchy,
          "LCA needs a convex cost with a threshold function; use --prior l1, laplace or gaussian with"
          " LCA, or --method map for the Cauchy prior.");
  const Real var = model.sigma * model.sigma;
  // The LCA map is contractive for η·max eig(AᵀA) < 2; stay well inside that.
  const Real eta = std::min(options_.eta, 1.0 / std::max(lipschitz_constant(model) * var, 1e-12));
  const detail::CorrelationStep step(model.A, eta);
  const Index N = S.cols(), width = detail::map_block_columns(S.rows());
  const Index blocks = (N + width - 1) / width;
  visit_prior(model.prior, [&](const auto& ops) {
    // Whole blocks per thread, as in ProximalGradient::solve.
#pragma omp parallel if (blocks > 1)
    {
      detail::CorrelationWork w;
      Matrix U, V;
#pragma omp for schedule(dynamic, 1)
      for (Index b = 0; b < blocks; ++b) {
        const Index first = b * width, n = std::min(width, N - first);
        lca_block(ops, options_, eta, var, step, X.middleCols(first, n), S.middleCols(first, n), U, V, w);
      }
    }
  });
}

}  // namespace lsc
