#include "lsc/nn/mlp.hpp"

namespace lsc::nn {

Mlp::Mlp(const Mlp& other) {
  for (const auto& l : other.layers_) layers_.push_back(l->clone());
}

Mlp& Mlp::operator=(const Mlp& other) {
  if (this != &other) *this = Mlp(other);
  return *this;
}

Mlp& Mlp::add(std::unique_ptr<Layer> layer) {
  layers_.push_back(std::move(layer));
  return *this;
}

const Matrix& Mlp::forward(const Matrix& X, Trace& trace) const {
  trace.resize(layers_.size() + (layers_.empty() ? 1 : 0));
  if (layers_.empty()) {
    trace[0] = X;
    return trace[0];
  }
  for (std::size_t i = 0; i < layers_.size(); ++i) layers_[i]->forward(i == 0 ? X : trace[i - 1], trace[i]);
  return trace.back();
}

void Mlp::backward(const Matrix& X, const Trace& trace, const Matrix& dY, Matrix* dX) {
  if (layers_.empty()) {
    if (dX) *dX = dY;
    return;
  }
  // grad_[i] is dL/d(input of layer i) = dL/d(output of layer i − 1).
  grad_.resize(layers_.size());
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const Matrix& in = i == 0 ? X : trace[i - 1];
    const Matrix& dout = i + 1 == layers_.size() ? dY : grad_[i + 1];
    Matrix* din = i == 0 ? dX : &grad_[i];
    layers_[i]->backward(in, trace[i], dout, din);
  }
}

std::vector<Param> Mlp::params() {
  std::vector<Param> out;
  for (auto& l : layers_)
    for (const Param& p : l->params()) out.push_back(p);
  return out;
}

}  // namespace lsc::nn
