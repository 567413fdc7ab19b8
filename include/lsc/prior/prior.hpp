#pragma once
// The factorial priors p(s_i) ∝ exp(−λ C(s_i)) of eq. 2.3 and the spike-and-slab of eq. 3.1.
//
// Every sampler works on an auxiliary variable u with s = transform(u) and prior energy
// cost(u) (eq. 3.2-3.5): for smooth priors s = u; for the nonnegative priors s = max(|u| − u0, 0)
// with |u| ~ Exp(λ), which is the spike-and-slab of eq. 3.4 with π = exp(−λ u0). The
// nonnegative exponential (L1) prior is the case u0 = 0 (π = 1): one set of dynamics,
// eq. 3.9, serves both, and letting u take both signs reflects the dynamics at 0 (§3).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "lsc/core/types.hpp"

namespace lsc {

enum class PriorKind { laplace, l1, l0, gaussian, cauchy };

struct Prior {
  PriorKind kind = PriorKind::l0;
  Real lambda = 1.0;  // λ of eq. 2.3 / 3.1
  Real pi = 1.0;      // π of eq. 3.1, the probability of being active (l0 only; 1 otherwise)

  static Prior make(PriorKind kind, Real lambda, Real pi = 1.0);  // validates
  static PriorKind kind_from_name(const std::string& name);       // "l0", "l1", ...
  static std::vector<std::string> names();
  std::string name() const;

  // u0 = −log(π)/λ (§4.1); 0 for every prior but l0.
  Real u0() const { return kind == PriorKind::l0 ? -std::log(pi) / lambda : 0.0; }
  bool nonnegative() const { return kind == PriorKind::l1 || kind == PriorKind::l0; }
  // Whether a MAP estimate of s is meaningful: never for the spike-and-slab, whose posterior
  // always has its maximum at s = 0 (§3).
  bool has_map() const { return kind != PriorKind::l0; }

  // C(s) of eq. 2.5 on the s scale, and its prior mean ⟨C(s)⟩_p (over the slab for l0).
  Real cost_s(Real s) const;
  Real expected_cost() const;
  // Log density of the continuous part (the slab for l0, including log π), for evaluation.
  Real log_density(Real s) const;
  // Prior CDF P(s' ≤ s), including the spike mass at 0 for l0; used by the A = 0 tests.
  Real cdf(Real s) const;
  // Prior variance of s (for initial dictionary scales and checks).
  Real variance() const;
};

// Elementwise operations of a prior in the u parameterization, one small type per prior so that
// the inner loops of samplers are compiled once per prior with no branching on the kind.
struct GaussianOps {
  Real lambda;
  Real s(Real u) const { return u; }
  Real ds_du(Real) const { return 1.0; }
  Real cost(Real u) const { return 0.5 * lambda * u * u; }
  Real dcost(Real u) const { return lambda * u; }
  // Proximal step of t·λC at v (MAP solvers).
  Real prox(Real v, Real t) const { return v / (1.0 + t * lambda); }
};

struct CauchyOps {
  Real lambda;  // p(s) ∝ (1 + s²)^(−λ); λ = 1 is the Cauchy of SVAE eq. 28
  Real s(Real u) const { return u; }
  Real ds_du(Real) const { return 1.0; }
  Real cost(Real u) const { return lambda * std::log1p(u * u); }
  Real dcost(Real u) const { return lambda * 2.0 * u / (1.0 + u * u); }
  // argmin_s ½(s − v)² + t λ log(1 + s²): the root of s − v + t·dcost(s) = 0 by Newton's
  // method from s = v. The objective is convex when tλ < 4 (the cost's curvature is at least
  // −λ/4), which holds for every step the solvers take (t ≤ 1/L with L ≫ λ/4 in practice).
  Real prox(Real v, Real t) const {
    Real s = v;
    for (int it = 0; it < 30; ++it) {
      const Real q = 1.0 + s * s;
      const Real f = s - v + t * lambda * 2.0 * s / q;
      const Real df = 1.0 + t * lambda * 2.0 * (1.0 - s * s) / (q * q);
      const Real step = f / (df > 0.25 ? df : 0.25);
      s -= step;
      if (std::abs(step) <= 1e-15 * (1.0 + std::abs(s))) break;
    }
    return s;
  }
};

struct LaplaceOps {
  Real lambda;
  Real s(Real u) const { return u; }
  Real ds_du(Real) const { return 1.0; }
  Real cost(Real u) const { return lambda * std::abs(u); }
  Real dcost(Real u) const { return u >= 0 ? lambda : -lambda; }
  Real prox(Real v, Real t) const {
    const Real a = std::abs(v) - t * lambda;
    return a > 0 ? (v >= 0 ? a : -a) : 0.0;
  }
};

// l1 (u0 = 0) and l0: s = f(|u|) = max(|u| − u0, 0), eq. 3.3 and 3.10.
struct ThresholdOps {
  Real lambda;
  Real u0;
  // Written without branches: the signs of u are random, so branches would be mispredicted
  // half the time in the samplers' inner loops.
  Real s(Real u) const { return std::max(std::abs(u) - u0, 0.0); }
  // ds/du = Θ(|u| − u0) sign(u): the Heaviside gate of eq. 3.9.
  Real ds_du(Real u) const { return std::abs(u) > u0 ? std::copysign(1.0, u) : 0.0; }
  Real cost(Real u) const { return lambda * std::abs(u); }
  Real dcost(Real u) const { return std::copysign(lambda, u); }
  // Prox of the nonnegative L1 cost (l1 only; l0 has no MAP).
  Real prox(Real v, Real t) const {
    const Real a = v - t * lambda;
    return a > 0 ? a : 0.0;
  }
};

// Calls f(ops) with the concrete operations of `prior`.
template <class F>
decltype(auto) visit_prior(const Prior& prior, F&& f) {
  switch (prior.kind) {
    case PriorKind::gaussian:
      return f(GaussianOps{prior.lambda});
    case PriorKind::cauchy:
      return f(CauchyOps{prior.lambda});
    case PriorKind::laplace:
      return f(LaplaceOps{prior.lambda});
    case PriorKind::l1:
    case PriorKind::l0:
      break;
  }
  return f(ThresholdOps{prior.lambda, prior.u0()});
}

}  // namespace lsc
