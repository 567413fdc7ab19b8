#pragma once
// What the learners need from the coefficient dynamics: one step for all chains, and the
// evaluation (s, residual, gradient) of the state at the start of that step, which the
// simultaneous dictionary update of eq. 2.26 / 3.11 uses.
#include "lsc/model/energy.hpp"
#include "lsc/model/model.hpp"
#include "lsc/sampler/chain_state.hpp"

namespace lsc {

class CoefficientDynamics {
 public:
  virtual ~CoefficientDynamics() = default;
  virtual void step(const Model& model, const Matrix& X, ChainState& chains) = 0;
  virtual const EnergyEval& eval() const = 0;
  // The configured step size ε = Δt/τ_u.
  virtual Real eps() const = 0;
  // Fraction of chains whose proposal the last step accepted (1 without accept/reject).
  virtual Real last_acceptance() const { return 1.0; }
};

}  // namespace lsc
