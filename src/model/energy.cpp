#include "lsc/model/energy.hpp"

#include "lsc/core/parallel.hpp"

namespace lsc {

void evaluate(const Model& model, const Matrix& U, const Matrix& X, EnergyEval& out,
              bool with_energy) {
  const Index K = model.K(), N = U.cols();
  out.S.resize(K, N);
  visit_prior(model.prior, [&](const auto& ops) {
    for_each_column(N, [&](Index j) {
      for (Index k = 0; k < K; ++k) out.S(k, j) = ops.s(U(k, j));
    });
  });
  out.R.noalias() = model.A * out.S;
  out.R -= X;
  const Real inv_var = 1.0 / (model.sigma * model.sigma);
  out.G.noalias() = inv_var * (model.A.transpose() * out.R);
  if (!with_energy) return;
  out.energy.resize(N);
  visit_prior(model.prior, [&](const auto& ops) {
    for_each_column(N, [&](Index j) {
      Real e = 0.5 * inv_var * out.R.col(j).squaredNorm();
      for (Index k = 0; k < K; ++k) e += ops.cost(U(k, j));
      out.energy(j) = e;
    });
  });
}

void gradient_u(const Model& model, const Matrix& U, const EnergyEval& eval, Matrix& grad) {
  const Index K = U.rows(), N = U.cols();
  grad.resize(K, N);
  visit_prior(model.prior, [&](const auto& ops) {
    for_each_column(N, [&](Index j) {
      const Real* u = U.col(j).data();
      const Real* g = eval.G.col(j).data();
      Real* out = grad.col(j).data();
      for (Index k = 0; k < K; ++k) out[k] = ops.ds_du(u[k]) * g[k] + ops.dcost(u[k]);
    });
  });
}

void gradient_A(const Model& model, const EnergyEval& eval, Matrix& grad) {
  grad.noalias() = (1.0 / (model.sigma * model.sigma)) * (eval.R * eval.S.transpose());
}

}  // namespace lsc
