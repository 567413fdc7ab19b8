#pragma once
// The K = 2 L0 case of science.md (D = 3, σ = 0.5, λ = 1, π = 0.3), exact by quadrature: the
// reference of every sampler of the spike-and-slab posterior (core, engines, Python).
#include <vector>

#include "lsc/model/model.hpp"
#include "sampler.hpp"
#include "stats.hpp"

namespace lsc::test {

struct L0Case {
  Model model;
  Vector x;
  Real exact[4];  // P(s₁ > 0), P(s₂ > 0), E[s₁], E[s₂]
};

// The posterior in s has four regions (both zero, one active, both active); the weight of each
// is the prior's mass there, (1 − π) per zero and πλe^{−λs} ds per active coefficient, times
// the likelihood exp(−‖x − As‖²/(2σ²)).
L0Case l0_case();

// Per-chain estimates of the four quantities of L0Case::exact from 2000 chains driven by
// `dynamics`: a burn-in of 50 time units (ε·steps; the integrated autocorrelation time
// of 1(s₂ > 0) is about 2 time units at every ε here), then `steps` recorded steps.
std::vector<Estimate> l0_estimates(Sampler& dynamics, const L0Case& c, int steps);

}  // namespace lsc::test
