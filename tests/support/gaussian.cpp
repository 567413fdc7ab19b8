#include "gaussian.hpp"

namespace lsc::test {

GaussianPosterior gaussian_posterior(const Model& model, const Vector& x) {
  const Real inv_var = 1 / (model.sigma * model.sigma);
  GaussianPosterior g;
  g.P = inv_var * model.A.transpose() * model.A +
        model.prior.lambda * Matrix::Identity(model.K(), model.K());
  g.Sigma = g.P.inverse();
  g.mu = g.Sigma * (inv_var * model.A.transpose() * x);
  return g;
}

Matrix ula_covariance(const Matrix& P, Real eps, Real temperature) {
  const Index K = P.rows();
  const Matrix M = Matrix::Identity(K, K) - eps * P;
  // vec(M C Mᵀ) = (M ⊗ M) vec C with column-major vec: entry (i + jK, k + lK) is M(i,k) M(j,l).
  Matrix lhs = Matrix::Identity(K * K, K * K);
  for (Index i = 0; i < K; ++i)
    for (Index j = 0; j < K; ++j)
      for (Index k = 0; k < K; ++k)
        for (Index l = 0; l < K; ++l) lhs(i + j * K, k + l * K) -= M(i, k) * M(j, l);
  Vector rhs = Vector::Zero(K * K);
  for (Index i = 0; i < K; ++i) rhs(i + i * K) = 2 * temperature * eps;
  const Vector c = lhs.fullPivLu().solve(rhs);
  return Eigen::Map<const Matrix>(c.data(), K, K);
}

}  // namespace lsc::test
