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
#include "lsc/prior/prior_ops.hpp"

namespace lsc {

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

// Calls f(ops) with the concrete operations of `prior` in the scalar type T (the backends'
// float32 steps use T = float).
template <class T = Real, class F>
decltype(auto) visit_prior(const Prior& prior, F&& f) {
  return visit_ops<T>(prior.kind, T(prior.lambda), T(prior.u0()), static_cast<F&&>(f));
}

}  // namespace lsc
