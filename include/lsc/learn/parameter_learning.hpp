#pragma once
// Learning the prior's and the noise's parameters from posterior samples, on the same slow
// time scale as the dictionary (a rate of 0 keeps a parameter fixed). All rates are applied to
// batch means, with Δt = 1 step.
#include "lsc/backend/step_engine.hpp"
#include "lsc/model/energy.hpp"
#include "lsc/model/model.hpp"

namespace lsc {

struct ParameterRates {
  Real tau_u0 = 0;      // π through u0 (eq. 3.12-3.13), l0 prior only
  Real tau_sigma = 0;   // σ² relaxes toward ⟨‖x − A s‖²⟩/D (eq. 2.9)
  Real tau_lambda = 0;  // λ̇ ∝ ⟨C⟩_prior − ⟨C(s)⟩_posterior (eq. 2.10), π held fixed for l0
  bool any() const { return tau_u0 > 0 || tau_sigma > 0 || tau_lambda > 0; }
};

// One Euler step of the parameter dynamics from the batch sums of the current samples, as the
// engine reports them for the state at the start of its last step (EngineStats).
void learn_parameters(Model& model, const EngineStats& stats, const ParameterRates& rates);

// The same sums from an explicit evaluation of samples (tests, and samples from elsewhere).
EngineStats parameter_statistics(const Model& model, const EnergyEval& eval);
void learn_parameters(Model& model, const EnergyEval& eval, const ParameterRates& rates);

}  // namespace lsc
