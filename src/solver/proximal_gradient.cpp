#include "lsc/solver/proximal_gradient.hpp"

#include <algorithm>
#include <cmath>

#include "column_blocks.hpp"

namespace lsc {

namespace {

// FISTA (Beck & Teboulle 2009) on one block of columns, from the warm start in S. One step is
//   S⁺ = prox_{tλC}(Y + V),  V = (t/σ²) Aᵀ(X − A Y) = −t ∇ of the quadratic part at Y,
//   Y⁺ = S⁺ + β (S⁺ − S),
// with the prox, the extrapolation and the stopping test fused into one pass over the block.
// Returns the steps taken.
template <class Ops>
int fista_block(const Ops& ops, const ProximalGradientOptions& o, Real t, const detail::CorrelationStep& step,
                const Eigen::Ref<const Matrix>& X, Eigen::Ref<Matrix> S, Matrix& Y, Matrix& V,
                detail::CorrelationWork& w) {
  const Index K = S.rows(), n = S.cols();
  step.bind(X, w);
  Y = S;
  Real momentum = 1;
  int it = 0;
  while (it < o.steps) {
    step.apply(X, Y, V, w);
    Real beta = 0;
    if (o.accelerated) {
      const Real next = 0.5 * (1 + std::sqrt(1 + 4 * momentum * momentum));
      beta = (momentum - 1) / next;
      momentum = next;
    }
    Real largest = 0;
    for (Index j = 0; j < n; ++j) {
      Real* s = S.col(j).data();
      Real* y = Y.col(j).data();
      const Real* v = V.col(j).data();
      // simd: the max reduction does not vectorize by itself (NaN ordering), and this pass
      // costs as much as a small product.
#pragma omp simd reduction(max : largest)
      for (Index k = 0; k < K; ++k) {
        const Real next = ops.prox(y[k] + v[k], t);
        const Real d = next - s[k];
        s[k] = next;
        y[k] = next + beta * d;
        largest = std::max(largest, std::abs(d));
      }
    }
    ++it;
    if (o.tolerance > 0 && largest < o.tolerance) break;
  }
  return it;
}

}  // namespace

ProximalGradient::ProximalGradient(ProximalGradientOptions options) : options_(options) {}

void ProximalGradient::solve(const Model& model, const Matrix& X, Matrix& S) {
  require_map_prior(model.prior, "MAP (proximal gradient)");
  const Real L = lipschitz_constant(model);
  const Real t = L > 0 ? options_.step_scale / L : 1.0;
  const detail::CorrelationStep step(model.A, t / (model.sigma * model.sigma));
  const Index N = S.cols(), width = detail::map_block_columns(S.rows());
  const Index blocks = (N + width - 1) / width;
  int most = 0;
  visit_prior(model.prior, [&](const auto& ops) {
    // Blocks are independent problems, so threads take whole blocks: one fork per solve rather
    // than a barrier per step, which costs more than a step when another process holds a core.
#pragma omp parallel if (blocks > 1) reduction(max : most)
    {
      detail::CorrelationWork w;
      Matrix Y, V;
#pragma omp for schedule(dynamic, 1)
      for (Index b = 0; b < blocks; ++b) {
        const Index first = b * width, n = std::min(width, N - first);
        most = std::max(most, fista_block(ops, options_, t, step, X.middleCols(first, n), S.middleCols(first, n),
                                          Y, V, w));
      }
    }
  });
  steps_taken_ = most;
}

}  // namespace lsc
