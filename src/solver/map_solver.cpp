#include "lsc/solver/map_solver.hpp"

#include <string>

#include "lsc/core/error.hpp"

namespace lsc {

void require_map_prior(const Prior& prior, const char* method) {
  require(prior.has_map(), std::string("the ") + method +
                               " method computes a MAP estimate, but under the l0 spike-and-slab prior"
                               " the posterior always peaks at s = 0; use --prior l1 (or laplace) with " +
                               method + ", or sample the l0 posterior with --method lsc / langevin / mala.");
}

}  // namespace lsc
