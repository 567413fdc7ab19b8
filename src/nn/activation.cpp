#include "lsc/nn/activation.hpp"

#include <cmath>

namespace lsc::nn {

void Relu::forward(const Matrix& X, Matrix& Y) const { Y = X.cwiseMax(0.0); }

void Relu::backward(const Matrix& X, const Matrix&, const Matrix& dY, Matrix* dX) {
  if (dX) *dX = (X.array() > 0.0).select(dY, 0.0);
}

Real Sigmoid::value(Real x) {
  // e^(−|x|) never overflows; for x < 0, 1/(1 + e^(−x)) = e^x/(1 + e^x).
  const Real e = std::exp(-std::abs(x));
  return x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

void Sigmoid::forward(const Matrix& X, Matrix& Y) const { Y = X.unaryExpr([](Real x) { return value(x); }); }

void Sigmoid::backward(const Matrix&, const Matrix& Y, const Matrix& dY, Matrix* dX) {
  if (dX) *dX = dY.array() * Y.array() * (1.0 - Y.array());
}

}  // namespace lsc::nn
