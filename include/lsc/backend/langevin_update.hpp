#pragma once
// The elementwise math of a step (step_engine.hpp), shared by every backend and dtype, so that
// a sampler is written once: the Euler-Maruyama update, MALA's proposal-density terms and the
// dead-zone jump of one coefficient.
#include "lsc/core/hd.hpp"

namespace lsc {

// ∂E/∂u of one coefficient (eq. 3.9): ds/du · g/σ² + C'(u), with g = (Aᵀ(A s − x))_k.
template <class T, class Ops>
LSC_HD T grad_u(const Ops& ops, T u, T g, T inv_var) {
  return ops.ds_du(u) * g * inv_var + ops.dcost(u);
}

// One coefficient's Euler-Maruyama step: u ← u − ε ∂E/∂u + √(2Tε) z (also MALA's proposal).
template <class T, class Ops>
LSC_HD T euler_update(const Ops& ops, T u, T g, T inv_var, T eps, T noise, T z) {
  return u - eps * grad_u(ops, u, g, inv_var) + noise * z;
}

// SSC's MAP step (Alg. 2): a proximal gradient step of size ε on s itself.
template <class T, class Ops>
LSC_HD T gradient_flow_update(const Ops& ops, T s, T g, T inv_var, T eps) {
  return ops.prox(s - eps * g * inv_var, eps);
}

// MALA (Roberts & Tweedie 1996): the proposal u' ~ N(u − ε∇E(u), 2Tε I). The Metropolis-Hastings
// log ratio of a chain is −(E(u') − E(u))/T − (back − forth)/(4Tε) with back and forth the sums
// over its coefficients of these squares (in double: they are differences of large sums).
template <class T>
LSC_HD void mala_terms(T u, T u_prop, T grad, T grad_prop, T eps, double& back, double& forth) {
  const double d = double(u) - double(u_prop);
  const double b = d + double(eps) * double(grad_prop);
  const double f = -d + double(eps) * double(grad);
  back += b * b;
  forth += f * f;
}

// The L0 prior's dead-zone jump of one coefficient (l0 only). An inactive u sits in the dead zone
// |u| < u0, where the likelihood exerts no force: Langevin reaches the threshold only by
// diffusing against the prior's drift, in (e^{λu0} − 1 − λu0)/(ελ²) steps on average (18 000 at
// π = 0.01, ε = 1/195). The jump proposes the involution u ↦ sign(u)(|u| ± u0) that swaps [0, u0)
// with [u0, 2u0) (|u| ≥ 2u0 stays): a translation, so volume-preserving, and its own inverse, so
// Metropolis with min(1, exp(−ΔE/T)) keeps exp(−E/T) invariant. ΔE needs only g and ‖A_k‖²;
// the caller updates the residual and g of the other coefficients when s changed (ds ≠ 0).
// log_uniform is the log of the test's uniform variate (drawn for all coefficients at once, where
// it vectorizes). Returns whether the jump is accepted; then u, s take the new values and dE the
// energy change.
template <class T>
LSC_HD bool dead_zone_jump(T& u, T& s, T g, T norm_sq, T inv_var, T lambda, T u0, T temperature,
                           double log_uniform, double& dE, T& ds) {
  const T a = hd::abs(u);
  if (!(a < T(2) * u0)) return false;
  const T a_new = a < u0 ? a + u0 : a - u0;
  const T s_new = hd::max(a_new - u0, T(0));
  ds = s_new - s;
  dE = double(lambda) * (double(a_new) - double(a)) + double(ds) * double(g) * double(inv_var) +
       0.5 * double(ds) * double(ds) * double(norm_sq) * double(inv_var);
  if (!(log_uniform < -dE / double(temperature))) return false;
  u = hd::copysign(a_new, u);
  s = s_new;
  return true;
}

}  // namespace lsc
