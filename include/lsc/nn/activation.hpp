#pragma once
// Elementwise activations: the ReLU of the SVAE's hidden layers and the sigmoid of its variance
// output (SVAE §4.2).
#include "lsc/nn/layer.hpp"

namespace lsc::nn {

// y = max(x, 0); dy/dx = 1(x > 0), taken as 0 at the kink x = 0.
class Relu final : public Layer {
 public:
  void forward(const Matrix& X, Matrix& Y) const override;
  void backward(const Matrix& X, const Matrix& Y, const Matrix& dY, Matrix* dX) override;
  std::string name() const override { return "relu"; }
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Relu>(*this); }
};

// y = 1/(1 + e^(−x)), evaluated without overflow for either sign of x; dy/dx = y(1 − y).
class Sigmoid final : public Layer {
 public:
  void forward(const Matrix& X, Matrix& Y) const override;
  void backward(const Matrix& X, const Matrix& Y, const Matrix& dY, Matrix* dX) override;
  std::string name() const override { return "sigmoid"; }
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Sigmoid>(*this); }

  static Real value(Real x);
};

}  // namespace lsc::nn
