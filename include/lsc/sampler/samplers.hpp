#pragma once
// The coefficient samplers the engine runs, in one table: `lsc train --sampler`, `lsc infer
// --method`, their help texts and the Python docs read it. A new sampler is a row here, its
// SamplerKind and its update in backend/langevin_update.hpp.
#include <string>
#include <vector>

#include "lsc/backend/step_engine.hpp"

namespace lsc {

struct SamplerInfo {
  std::string name;          // --sampler of lsc train
  SamplerKind kind;
  std::string infer_method;  // --method of lsc infer ("": not offered there)
  std::string description;
  bool user_facing = true;   // false: used by a method internally (SSC's noise-free flow)
};

const std::vector<SamplerInfo>& sampler_table();

// The row of a user-facing sampler name (with internal, SSC's gradient_flow too); throws Error
// naming the user-facing samplers otherwise.
const SamplerInfo& sampler_info(const std::string& name, bool internal = false);
// The sampler behind one of `lsc infer`'s methods, or null for map and lca.
const SamplerInfo* sampler_for_infer_method(const std::string& method);

// Gradient evaluations (the products A s and Aᵀ(A s − x) of one chain) per step of a sampler: one
// for all but hmc, which takes `leapfrog`. MALA reuses its accepted proposal's gradient.
int gradients_per_step(SamplerKind kind, int leapfrog);

// The user-facing sampler names ("euler", "mala", "hmc", "ghmc", "baoab"), and `lsc infer`'s
// sampling methods ("langevin", "mala", "hmc", "ghmc", "baoab").
std::vector<std::string> sampler_names();
std::vector<std::string> sampling_infer_methods();

}  // namespace lsc
