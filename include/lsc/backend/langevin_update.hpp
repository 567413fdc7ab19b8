#pragma once
// The elementwise part of the fused step, shared by every backend (step_engine.hpp).
#include "lsc/core/hd.hpp"

namespace lsc {

// One coefficient's Euler-Maruyama step of eq. 3.9: u ← u − ε ∂E/∂u + √(2Tε) z, with
// ∂E/∂u = ds/du · g/σ² + C'(u) and g = (Aᵀ(A s − x))_k.
template <class T, class Ops>
LSC_HD T euler_update(const Ops& ops, T u, T g, T inv_var, T eps, T noise, T z) {
  return u - eps * (ops.ds_du(u) * g * inv_var + ops.dcost(u)) + noise * z;
}

}  // namespace lsc
