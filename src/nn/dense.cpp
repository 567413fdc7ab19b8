#include "lsc/nn/dense.hpp"

#include <cmath>

#include "lsc/core/error.hpp"
#include "lsc/core/rng.hpp"

namespace lsc::nn {

Dense::Dense(Index in, Index out) : W(Matrix::Zero(out, in)), b(Vector::Zero(out)) {
  require(in > 0 && out > 0, "a dense layer needs at least one input and one output unit.");
}

Dense Dense::random(Index in, Index out, Real gain, std::uint64_t seed, std::uint32_t id) {
  Dense d(in, out);
  const Philox rng(seed);
  const Real scale = std::sqrt(gain / Real(in));
  Vector row(in);
  for (Index o = 0; o < out; ++o) {
    rng.normals(Purpose::nn_init, id, static_cast<std::uint64_t>(o), row.data(), in);
    d.W.row(o) = scale * row.transpose();
  }
  return d;
}

void Dense::forward(const Matrix& X, Matrix& Y) const {
  require(X.rows() == in(), "a dense layer with " + std::to_string(in()) + " inputs got data with " +
                                std::to_string(X.rows()) + " rows; pass data of the layer's input size.");
  Y.noalias() = W * X;
  Y.colwise() += b;
}

void Dense::backward(const Matrix& X, const Matrix&, const Matrix& dY, Matrix* dX) {
  dW.noalias() = dY * X.transpose();
  db = dY.rowwise().sum();
  if (dX) dX->noalias() = W.transpose() * dY;
}

std::vector<Param> Dense::params() {
  // Gradients are sized on first use, so point them at storage of the right size now.
  if (dW.rows() != W.rows() || dW.cols() != W.cols()) dW = Matrix::Zero(W.rows(), W.cols());
  if (db.size() != b.size()) db = Vector::Zero(b.size());
  return {{W.data(), dW.data(), W.size()}, {b.data(), db.data(), b.size()}};
}

}  // namespace lsc::nn
