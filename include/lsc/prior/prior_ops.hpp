#pragma once
// The elementwise operations of each prior in the u parameterization (eq. 3.2-3.5, 3.9-3.10),
// in a scalar type T and marked LSC_HD: the CPU samplers (T = double), the fused backends'
// float32 and float64 steps and the CUDA kernels all call these same functions.
#include "lsc/core/hd.hpp"

namespace lsc {

enum class PriorKind { laplace, l1, l0, gaussian, cauchy };

// Elementwise operations of a prior in the u parameterization, one small type per prior so that
// the inner loops of samplers are compiled once per prior with no branching on the kind.
template <class T>
struct GaussianOps {
  T lambda;
  LSC_HD T s(T u) const { return u; }
  LSC_HD T ds_du(T) const { return T(1.0); }
  LSC_HD T cost(T u) const { return T(0.5) * lambda * u * u; }
  LSC_HD T dcost(T u) const { return lambda * u; }
  // Proximal step of t·λC at v (MAP solvers).
  LSC_HD T prox(T v, T t) const { return v / (T(1.0) + t * lambda); }
};

template <class T>
struct CauchyOps {
  T lambda;  // p(s) ∝ (1 + s²)^(−λ); λ = 1 is the Cauchy of SVAE eq. 28
  LSC_HD T s(T u) const { return u; }
  LSC_HD T ds_du(T) const { return T(1.0); }
  LSC_HD T cost(T u) const { return lambda * hd::log1p(u * u); }
  LSC_HD T dcost(T u) const { return lambda * T(2.0) * u / (T(1.0) + u * u); }
  // argmin_s ½(s − v)² + t λ log(1 + s²): the root of s − v + t·dcost(s) = 0 by Newton's
  // method from s = v. The objective is convex when tλ < 4 (the cost's curvature is at least
  // −λ/4), which holds for every step the solvers take (t ≤ 1/L with L ≫ λ/4 in practice).
  LSC_HD T prox(T v, T t) const {
    T s = v;
    for (int it = 0; it < 30; ++it) {
      const T q = T(1.0) + s * s;
      const T f = s - v + t * lambda * T(2.0) * s / q;
      const T df = T(1.0) + t * lambda * T(2.0) * (T(1.0) - s * s) / (q * q);
      const T step = f / (df > T(0.25) ? df : T(0.25));
      s -= step;
      if (hd::abs(step) <= (sizeof(T) == 4 ? T(1e-6) : T(1e-15)) * (T(1) + hd::abs(s))) break;
    }
    return s;
  }
};

template <class T>
struct LaplaceOps {
  T lambda;
  LSC_HD T s(T u) const { return u; }
  LSC_HD T ds_du(T) const { return T(1.0); }
  LSC_HD T cost(T u) const { return lambda * hd::abs(u); }
  LSC_HD T dcost(T u) const { return u >= 0 ? lambda : -lambda; }
  // Soft-thresholding, without branches: the MAP solvers' inner loops apply it to every
  // coefficient of every step, whose signs are random. Adding 0 turns −0 into +0.
  LSC_HD T prox(T v, T t) const { return hd::copysign(hd::max(hd::abs(v) - t * lambda, T(0)), v) + T(0); }
};

// l1 (u0 = 0) and l0: s = f(|u|) = max(|u| − u0, 0), eq. 3.3 and 3.10.
template <class T>
struct ThresholdOps {
  T lambda;
  T u0;
  // Written without branches: the signs of u are random, so branches would be mispredicted
  // half the time in the samplers' inner loops.
  LSC_HD T s(T u) const { return hd::max(hd::abs(u) - u0, T(0.0)); }
  // ds/du = Θ(|u| − u0) sign(u): the Heaviside gate of eq. 3.9.
  LSC_HD T ds_du(T u) const { return hd::abs(u) > u0 ? hd::copysign(T(1.0), u) : T(0.0); }
  LSC_HD T cost(T u) const { return lambda * hd::abs(u); }
  LSC_HD T dcost(T u) const { return hd::copysign(lambda, u); }
  // Prox of the nonnegative L1 cost (l1 only; l0 has no MAP).
  LSC_HD T prox(T v, T t) const { return hd::max(v - t * lambda, T(0)); }
};

// Calls f(ops) with the operations of a prior of this kind (u0: the threshold of l0, 0 for l1).
// Host only: CUDA kernels take the ops type as a template parameter instead.
template <class T, class F>
inline decltype(auto) visit_ops(PriorKind kind, T lambda, T u0, F&& f) {
  switch (kind) {
    case PriorKind::gaussian:
      return f(GaussianOps<T>{lambda});
    case PriorKind::cauchy:
      return f(CauchyOps<T>{lambda});
    case PriorKind::laplace:
      return f(LaplaceOps<T>{lambda});
    case PriorKind::l1:
    case PriorKind::l0:
      break;
  }
  return f(ThresholdOps<T>{lambda, u0});
}

}  // namespace lsc
