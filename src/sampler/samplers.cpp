#include "lsc/sampler/samplers.hpp"

#include "lsc/core/error.hpp"

namespace lsc {

const std::vector<SamplerInfo>& sampler_table() {
  static const std::vector<SamplerInfo> table = {
      {"euler", SamplerKind::euler, "langevin",
       "Euler-Maruyama steps of the Langevin dynamics (eq. 3.9 with the L0 prior), the paper's; biased by O(eps)", true},
      {"mala", SamplerKind::mala, "mala",
       "Metropolis-adjusted Langevin: the same step plus an accept/reject, exact at any step size", true},
      {"hmc", SamplerKind::hmc, "hmc",
       "Hamiltonian Monte Carlo: a fresh momentum, --leapfrog steps of the dynamics, an accept/reject; exact", true},
      {"ghmc", SamplerKind::ghmc, "ghmc",
       "kinetic Langevin (OBABO) with an accept/reject: the momentum persists (friction --friction), so chains "
       "travel instead of diffusing; exact", true},
      {"baoab", SamplerKind::baoab, "baoab",
       "kinetic Langevin (BAOAB), no accept/reject: biased by O(eps), exact in u for a Gaussian posterior", true},
      {"gradient_flow", SamplerKind::gradient_flow, "",
       "the noise-free flow of SSC's coefficients (MAP by gradient descent)", false},
  };
  return table;
}

const SamplerInfo& sampler_info(const std::string& name, bool internal) {
  for (const SamplerInfo& s : sampler_table())
    if (s.name == name && (s.user_facing || internal)) return s;
  throw Error("unknown sampler '" + name + "'; choose " + either_of(sampler_names()) + ".");
}

const SamplerInfo* sampler_for_infer_method(const std::string& method) {
  for (const SamplerInfo& s : sampler_table())
    if (!s.infer_method.empty() && s.infer_method == method) return &s;
  return nullptr;
}

int gradients_per_step(SamplerKind kind, int leapfrog) { return kind == SamplerKind::hmc ? leapfrog : 1; }

std::vector<std::string> sampler_names() {
  std::vector<std::string> out;
  for (const SamplerInfo& s : sampler_table())
    if (s.user_facing) out.push_back(s.name);
  return out;
}

std::vector<std::string> sampling_infer_methods() {
  std::vector<std::string> out;
  for (const SamplerInfo& s : sampler_table())
    if (!s.infer_method.empty()) out.push_back(s.infer_method);
  return out;
}

}  // namespace lsc
