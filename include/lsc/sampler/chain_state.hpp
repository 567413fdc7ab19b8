#pragma once
// The state of a set of chains: one column of U per chain, each chain tied to one column of X.
#include <cstdint>
#include <vector>

#include "lsc/core/types.hpp"

namespace lsc {

struct ChainState {
  Matrix U;                          // K×N auxiliary variables (eq. 3.5); U = S for smooth priors
  std::vector<std::uint64_t> chain;  // global chain id of each column: keys its noise
  std::uint64_t step = 0;            // steps taken: keys the noise of the next step
  std::uint64_t proposed = 0;        // MALA proposals (column-steps) and acceptances
  std::uint64_t accepted = 0;
  Real eps = 0;                      // MALA step size once adapted (0: the sampler's own ε)

  // N chains with ids first_chain, first_chain + 1, ..., all at u = 0 ... or at `init`.
  static ChainState zeros(Index K, Index N, std::uint64_t first_chain = 0);
  Real acceptance_rate() const {
    return proposed ? static_cast<Real>(accepted) / static_cast<Real>(proposed) : 1.0;
  }
};

}  // namespace lsc
