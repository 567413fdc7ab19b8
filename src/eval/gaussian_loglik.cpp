#include "lsc/eval/gaussian_loglik.hpp"

#include <cmath>
#include <numbers>
#include <string>

#include "lsc/core/error.hpp"

namespace lsc {

Vector gaussian_log_likelihood(const Matrix& A, Real sigma, Real prior_variance, const Matrix& X) {
  const Index D = A.rows();
  require(D > 0 && A.cols() > 0 && A.allFinite(),
          "the dictionary must be non-empty and finite; pass a dictionary of shape (K, D).");
  require(std::isfinite(sigma) && sigma > 0, "sigma must be a positive number (got " + std::to_string(sigma) + ").");
  require(std::isfinite(prior_variance) && prior_variance >= 0,
          "the prior variance must be finite and non-negative (got " + std::to_string(prior_variance) + ").");
  require(X.rows() == D, "the data have " + std::to_string(X.rows()) + " features per point but the dictionary has D = " +
                             std::to_string(D) + "; pass data of shape (N, " + std::to_string(D) + ").");
  require(X.allFinite(), "the data contain NaN or infinite values; remove or impute them first.");
  Matrix C = prior_variance * (A * A.transpose());
  C.diagonal().array() += sigma * sigma;
  // σ² I makes C positive definite, so the factor always exists.
  const Eigen::LLT<Matrix> llt(C);
  require(llt.info() == Eigen::Success,
          "the covariance sigma^2 I + v A A^T is not numerically positive definite; check the dictionary's scale.");
  const Real log_det = 2 * llt.matrixL().toDenseMatrix().diagonal().array().log().sum();
  const Matrix Z = llt.matrixL().solve(X);  // ‖L⁻¹x‖² = xᵀC⁻¹x
  const Real constant = -0.5 * (Real(D) * std::log(2 * std::numbers::pi) + log_det);
  return (constant - 0.5 * Z.colwise().squaredNorm().array()).matrix().transpose();
}

Vector gaussian_log_likelihood(const Model& model, const Matrix& X) {
  model.validate();
  require(model.prior.kind == PriorKind::gaussian,
          "the closed-form log-likelihood exists only for the Gaussian prior (the model has the " + model.prior.name() +
              " prior); use the AIS evaluator instead.");
  return gaussian_log_likelihood(model.A, model.sigma, model.prior.variance(), X);
}

}  // namespace lsc
