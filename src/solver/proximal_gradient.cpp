#include "lsc/solver/proximal_gradient.hpp"

#include <cmath>

#include "lsc/core/parallel.hpp"

namespace lsc {

ProximalGradient::ProximalGradient(ProximalGradientOptions options) : options_(options) {}

void ProximalGradient::solve(const Model& model, const Matrix& X, Matrix& S) {
  require_map_prior(model.prior, "MAP (proximal gradient)");
  const Real L = lipschitz_constant(model);
  const Real t = L > 0 ? options_.step_scale / L : 1.0;
  const Real inv_var = 1.0 / (model.sigma * model.sigma);
  const Index K = S.rows(), N = S.cols();
  Y_ = S;
  Real momentum = 1;
  steps_taken_ = 0;
  visit_prior(model.prior, [&](const auto& ops) {
    for (int it = 0; it < options_.steps; ++it) {
      R_.noalias() = model.A * Y_;
      R_ -= X;
      G_.noalias() = inv_var * (model.A.transpose() * R_);
      S_prev_ = S;
      for_each_column(N, [&](Index j) {
        for (Index k = 0; k < K; ++k) S(k, j) = ops.prox(Y_(k, j) - t * G_(k, j), t);
      });
      ++steps_taken_;
      if (options_.accelerated) {
        const Real next = 0.5 * (1 + std::sqrt(1 + 4 * momentum * momentum));
        Y_ = S + ((momentum - 1) / next) * (S - S_prev_);
        momentum = next;
      } else {
        Y_ = S;
      }
      if (options_.tolerance > 0 && (S - S_prev_).cwiseAbs().maxCoeff() < options_.tolerance) break;
    }
  });
}

}  // namespace lsc
