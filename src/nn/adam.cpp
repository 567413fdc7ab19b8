#include "lsc/nn/adam.hpp"

#include <algorithm>
#include <cmath>

#include "lsc/core/error.hpp"

namespace lsc::nn {

Adam::Adam(const std::vector<Param>& params, AdamOptions options) : options_(options) {
  require(options_.lr > 0 && std::isfinite(options_.lr),
          "the learning rate must be a positive number; pass e.g. --lr 1e-4.");
  require(options_.beta1 >= 0 && options_.beta1 < 1 && options_.beta2 >= 0 && options_.beta2 < 1 && options_.eps > 0,
          "Adam needs 0 <= beta1, beta2 < 1 and eps > 0; use the defaults 0.9, 0.999, 1e-8.");
  for (const Param& p : params) {
    m_.push_back(Vector::Zero(p.size));
    v_.push_back(Vector::Zero(p.size));
  }
}

void Adam::step(const std::vector<Param>& params) {
  require(params.size() == m_.size(), "Adam was handed " + std::to_string(params.size()) +
                                          " parameter tensors but was built for " + std::to_string(m_.size()) +
                                          "; pass the same parameters at every step.");
  ++t_;
  const Real b1 = options_.beta1, b2 = options_.beta2;
  // lr·m̂/(√v̂ + ε) = (lr/(1 − β1^t)) · m / (√v·(1 − β2^t)^(−½) + ε): Algorithm 1 with the bias
  // corrections folded into two scalars.
  const Real c1 = 1.0 - std::pow(b1, Real(t_)), c2 = 1.0 - std::pow(b2, Real(t_));
  const Real step = options_.lr / c1, inv_root_c2 = 1.0 / std::sqrt(c2);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    require(p.size == m_[i].size(), "Adam's parameter tensor " + std::to_string(i) +
                                        " changed size; pass the same parameters at every step.");
    // Blocks small enough for the L1 cache: the three array updates of a block run on data
    // just loaded, so the half a million SVAE weights and their moments are read once per step
    // (the update is memory-bound), and Eigen vectorizes each line (sqrt and division included).
    constexpr Index kBlock = 512;
    for (Index k = 0; k < p.size; k += kBlock) {
      const Index n = std::min(kBlock, p.size - k);
      Eigen::Map<Eigen::ArrayXd> theta(p.value + k, n), m(m_[i].data() + k, n), v(v_[i].data() + k, n);
      const Eigen::Map<const Eigen::ArrayXd> g(p.grad + k, n);
      m = b1 * m + (1.0 - b1) * g;
      v = b2 * v + (1.0 - b2) * g.square();
      theta -= step * m / (v.sqrt() * inv_root_c2 + options_.eps);
    }
  }
}

void Adam::restore(std::uint64_t t, std::vector<Vector> m, std::vector<Vector> v) {
  require(m.size() == m_.size() && v.size() == v_.size(),
          "the optimizer state has the wrong number of tensors; resume with the settings it was written with.");
  for (std::size_t i = 0; i < m.size(); ++i)
    require(m[i].size() == m_[i].size() && v[i].size() == v_[i].size(),
            "the optimizer state does not match the network's shapes; resume with the settings it was written with.");
  t_ = t;
  m_ = std::move(m);
  v_ = std::move(v);
}

}  // namespace lsc::nn
