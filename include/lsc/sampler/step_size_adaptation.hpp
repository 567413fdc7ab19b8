#pragma once
// Step-size control for MALA. The acceptance of a K-dimensional Langevin proposal falls like
// exp(−c K ε³) (Roberts & Rosenthal 1998), and most where chains meet data they do not explain
// yet: at K = 256 on whitened patches the first 2000 steps at ε·L = 0.5 accepted 0.6 % of
// proposals (docs/parameters.md). A Robbins-Monro update of log ε toward a target acceptance
// fixes that.
// It runs only while nothing is learned from the samples (the hold burn-in after each batch
// switch, or the burn-in of inference), so every sample that feeds learning or a posterior
// summary comes from an exact MALA kernel with a fixed ε.
#include <algorithm>
#include <cmath>

#include "lsc/core/types.hpp"

namespace lsc {

struct StepSizeAdaptation {
  Real target = 0.574;  // the acceptance of optimally scaled MALA (Roberts & Rosenthal 1998)
  Real gain = 0.05;     // per step, on log ε; the batch acceptance of N chains varies by ~1/√N
  Real eps_max = 0;     // 1/τ_u: the adaptation only ever slows the chains below the time scale set

  // The step size after a step at `eps` that accepted the fraction `acceptance` of its chains.
  Real update(Real eps, Real acceptance) const {
    return std::min(eps_max, eps * std::exp(gain * (acceptance - target)));
  }
};

}  // namespace lsc
