#pragma once
// The interface of the small neural-network layers that the SVAE's recognition network is built
// from (SVAE §4.2). Batches are column-major like the rest of lsc: a layer maps X (in×N, one data
// point per column) to Y (out×N).
//
// forward() is a pure function of the parameters and X, so a const network can be evaluated
// anywhere; backward() is handed the same X and Y and dL/dY, and computes dL/dX and the
// gradients of the layer's parameters, which the layer keeps until its next backward(). Nothing
// is cached between the two calls: what backward needs, the caller passes back in.
#include <memory>
#include <string>
#include <vector>

#include "lsc/core/types.hpp"

namespace lsc::nn {

// One parameter tensor seen as a flat array: its values and the gradient of the last backward().
struct Param {
  Real* value;
  const Real* grad;
  Index size;
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual void forward(const Matrix& X, Matrix& Y) const = 0;
  // dX may be null when the input gradient is not needed (the network's first layer).
  virtual void backward(const Matrix& X, const Matrix& Y, const Matrix& dY, Matrix* dX) = 0;
  virtual std::vector<Param> params() { return {}; }
  virtual std::string name() const = 0;  // "dense", "relu", "sigmoid"
  virtual std::unique_ptr<Layer> clone() const = 0;
};

}  // namespace lsc::nn
