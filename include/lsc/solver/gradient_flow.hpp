#pragma once
// The noise-free coefficient dynamics of SSC (eq. 2.25): one proximal Euler step of
// τ_S Ṡ = −∇_S E per time step, s ← prox_{ελC}(s − ε Aᵀ(As − x)/σ²), ε = Δt/τ_S. It is the
// T = 0 limit of the Langevin dynamics with the L1 kink handled exactly, and plugs into the
// same simultaneous learner. Here the chains' U holds S itself.
#include "lsc/sampler/dynamics.hpp"

namespace lsc {

class GradientFlow final : public CoefficientDynamics {
 public:
  explicit GradientFlow(Real eps);
  void step(const Model& model, const Matrix& X, ChainState& chains) override;
  const EnergyEval& eval() const override { return eval_; }
  Real eps() const override { return eps_; }

 private:
  Real eps_;
  EnergyEval eval_;
};

}  // namespace lsc
