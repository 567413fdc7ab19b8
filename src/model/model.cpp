#include "lsc/model/model.hpp"

#include <cmath>
#include <string>

#include <Eigen/Eigenvalues>

#include "lsc/core/error.hpp"
#include "lsc/core/rng.hpp"

namespace lsc {

void Model::validate() const {
  require(A.rows() > 0 && A.cols() > 0, "the dictionary is empty; K and D must be at least 1.");
  require(A.allFinite(), "the dictionary contains NaN or infinite values; check the dictionary file.");
  // Finite but beyond ~1e154, AᵀA overflows: what a diverged training leaves (issue 20 item 4).
  require(std::isfinite(A.squaredNorm()),
          "the dictionary's values are too large to compute with (largest |A| " + std::to_string(A.cwiseAbs().maxCoeff()) +
              "): the training that wrote it diverged; retrain with a larger --tau-A.");
  require(std::isfinite(sigma) && sigma > 0,
          "sigma must be a positive number (got " + std::to_string(sigma) + "); pass e.g. --sigma 0.5.");
}

Real lipschitz_constant(const Model& model) {
  const Matrix gram = model.A.transpose() * model.A;
  const Eigen::SelfAdjointEigenSolver<Matrix> eig(gram, Eigen::EigenvaluesOnly);
  return eig.eigenvalues().maxCoeff() / (model.sigma * model.sigma);
}

Matrix random_dictionary(Index D, Index K, std::uint64_t seed) {
  const Philox rng(seed);
  Matrix A(D, K);
  for (Index k = 0; k < K; ++k) rng.normals(Purpose::dictionary, 0, static_cast<std::uint64_t>(k), A.col(k).data(), D);
  return A / std::sqrt(Real(D));
}

void normalize_columns(Matrix& A) {
  for (Index k = 0; k < A.cols(); ++k) {
    const Real n = A.col(k).norm();
    if (n > 0) A.col(k) /= n;
  }
}

}  // namespace lsc
