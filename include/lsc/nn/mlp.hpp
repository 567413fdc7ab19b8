#pragma once
// A chain of layers (a multilayer perceptron). forward() records every layer's output in a
// Trace owned by the caller; backward() walks the trace back by the chain rule, leaving each
// layer's parameter gradients in the layer.
#include <memory>
#include <vector>

#include "lsc/nn/layer.hpp"

namespace lsc::nn {

class Mlp {
 public:
  using Trace = std::vector<Matrix>;  // output of layer i at [i]

  Mlp() = default;
  Mlp(const Mlp& other);
  Mlp& operator=(const Mlp& other);
  Mlp(Mlp&&) = default;
  Mlp& operator=(Mlp&&) = default;

  Mlp& add(std::unique_ptr<Layer> layer);

  // Returns the network's output, trace.back(). An empty network is the identity.
  const Matrix& forward(const Matrix& X, Trace& trace) const;
  // From dL/d(output): every layer's parameter gradients, and dL/dX into dX unless it is null.
  void backward(const Matrix& X, const Trace& trace, const Matrix& dY, Matrix* dX);

  std::vector<Param> params();  // layer by layer, in order
  std::size_t size() const { return layers_.size(); }
  Layer& layer(std::size_t i) { return *layers_[i]; }
  const Layer& layer(std::size_t i) const { return *layers_[i]; }

 private:
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Matrix> grad_;  // dL/d(input of layer i), reused between calls
};

}  // namespace lsc::nn
