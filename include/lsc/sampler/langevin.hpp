#pragma once
// Langevin dynamics of the coefficients (eq. 2.29 for smooth priors, eq. 3.9 for the L0 and
// nonnegative priors through u), discretized by Euler-Maruyama:
//   u ← u − ε ∂E/∂u + √(2 T ε) ξ,   ε = Δt/τ_u,
// or, with `metropolis`, as the proposal of a Metropolis-adjusted Langevin step (MALA), which
// targets exp(−E/T) exactly at any ε. Euler-Maruyama is biased when ε·‖A_k‖²/σ² is not small
// (science.md); MALA removes that bias at the cost of two more matrix products per step.
#include <cstdint>

#include "lsc/core/rng.hpp"
#include "lsc/sampler/dynamics.hpp"

namespace lsc {

struct LangevinOptions {
  Real eps = 0.05;          // Δt/τ_u, unless the chains carry an adapted ε (ChainState::eps)
  Real temperature = 1.0;   // T of eq. 2.27; T = 1 samples the posterior
  bool metropolis = false;  // MALA accept/reject per chain
  // L0 prior: before each step, one Metropolis sweep of jumps across the dead zone (below).
  bool dead_zone_jumps = false;
};

class LangevinSampler final : public CoefficientDynamics {
 public:
  LangevinSampler(std::uint64_t seed, LangevinOptions options);
  void step(const Model& model, const Matrix& X, ChainState& chains) override;
  const EnergyEval& eval() const override { return eval_; }
  Real eps() const override { return options_.eps; }
  Real last_acceptance() const override { return last_acceptance_; }
  const LangevinOptions& options() const { return options_; }

 private:
  void euler_step(const Model& model, ChainState& chains, Real eps);
  void metropolis_step(const Model& model, const Matrix& X, ChainState& chains, Real eps);
  // Under the L0 prior an inactive u sits in the dead zone |u| < u0, where the likelihood exerts
  // no force: Langevin reaches the threshold only by diffusing against the prior's drift, in
  // (e^{λu0} − 1 − λu0)/(ελ²) steps on average (18 000 at π = 0.01, ε = 1/195). This sweep
  // proposes, coefficient by coefficient, the involution u ↦ sign(u)(|u| ± u0) that swaps the
  // dead zone [0, u0) with [u0, 2u0) (and leaves |u| ≥ 2u0 alone): a translation, so volume-
  // preserving, and its own inverse, so Metropolis with min(1, exp(−ΔE/T)) keeps exp(−E/T)
  // invariant. ΔE needs only G_k and ‖A_k‖² (the Gram matrix updates G after a jump), and
  // eval_ is kept consistent for the Langevin step and the dictionary update that follow.
  void jump_sweep(const Model& model, ChainState& chains);
  // ξ of chain j at this step (eq. 2.27), K standard normals keyed by (seed, step, chain id).
  const Real* noise_of(const ChainState& chains, Index j) const;

  Philox rng_;
  LangevinOptions options_;
  EnergyEval eval_, proposal_eval_;
  Matrix grad_, proposal_, proposal_grad_, gram_;
  Real last_acceptance_ = 1;
};

// Throws Error with a sentence naming the step and what to change if U is not finite.
void check_finite_chains(const Model& model, const Matrix& U, std::uint64_t step, Real eps);

}  // namespace lsc
