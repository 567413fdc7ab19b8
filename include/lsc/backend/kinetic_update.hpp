#pragma once
// The elementwise math of the kinetic (underdamped) Langevin samplers (backend/cpu/
// kinetic_engine.cpp), written once for any backend like langevin_update.hpp.
//
// The state is (u, p) with a diagonal mass m and H(u, p) = E(u) + Σ_k p_k²/(2 m_k), E the energy
// of eq. 2.5 in u (the one eq. 3.9 descends); exp(−H/T) has the posterior at temperature T as its
// u-marginal and p ~ N(0, T m) independent of u. The splitting integrators compose three exact
// flows (Leimkuhler & Matthews 2013):
//   B_τ (kick):    p ← p − τ ∂E/∂u
//   A_τ (drift):   u ← u + τ p / m
//   O   (refresh): p ← η p + √((1 − η²) T m) ξ,   η = e^{−γh}   (Ornstein-Uhlenbeck, exact)
// With step h = √(2ε), B_{h/2} A_h B_{h/2} after a full refresh (η = 0) and with m = 1 is MALA's
// proposal with step ε, which keeps ε comparable across the samplers.
#include "lsc/backend/langevin_update.hpp"
#include "lsc/core/hd.hpp"

namespace lsc {

template <class T, class Ops>
LSC_HD T kick(const Ops& ops, T p, T u, T g, T inv_var, T tau) {
  return p - tau * grad_u(ops, u, g, inv_var);
}

template <class T>
LSC_HD T drift(T u, T p, T inv_mass, T tau) {
  return u + tau * inv_mass * p;
}

// noise_sd = √((1 − η²) T m) of this coefficient.
template <class T>
LSC_HD T refresh(T p, T eta, T noise_sd, T z) {
  return eta * p + noise_sd * z;
}

}  // namespace lsc
