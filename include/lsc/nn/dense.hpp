#pragma once
// A fully connected layer Y = W X + b 1ᵀ (W: out×in, b: out).
#include <cstdint>

#include "lsc/nn/layer.hpp"

namespace lsc::nn {

class Dense final : public Layer {
 public:
  Dense(Index in, Index out);  // zero weights and biases

  // Independent N(0, gain/in) weights and zero biases. gain = 2 is He et al. (2015) for a layer
  // followed by a ReLU, which keeps the activations' second moment constant through the ReLU
  // stack; gain = 1 (LeCun) for an output layer. Row o of W is drawn from Philox
  // (seed, nn_init, step = id, chain = o), so every layer of a network needs its own id.
  static Dense random(Index in, Index out, Real gain, std::uint64_t seed, std::uint32_t id);

  void forward(const Matrix& X, Matrix& Y) const override;
  // dW = dY Xᵀ, db = dY 1, dX = Wᵀ dY.
  void backward(const Matrix& X, const Matrix& Y, const Matrix& dY, Matrix* dX) override;
  std::vector<Param> params() override;  // W (column-major), then b
  std::string name() const override { return "dense"; }
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Dense>(*this); }

  Index in() const { return W.cols(); }
  Index out() const { return W.rows(); }

  Matrix W;
  Vector b;
  Matrix dW;  // gradients of the last backward()
  Vector db;
};

}  // namespace lsc::nn
