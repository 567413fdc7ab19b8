#pragma once
// Data drawn from the model itself: S (K×N) exactly from the prior (prior/prior_sampling.hpp),
// X = A S + σ ξ. For BDMC (`lsc eval loglik --simulate N`) and for tests that need joint draws.
#include <cstdint>

#include "lsc/model/model.hpp"

namespace lsc {

struct SimulatedData {
  Matrix X, S;
};

SimulatedData simulate_data(const Model& model, Index N, std::uint64_t seed);

}  // namespace lsc
