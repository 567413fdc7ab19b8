#pragma once
// Exact draws from the prior in the coordinates the samplers move in (u, eq. 3.10: s = s(u)),
// keyed by Philox counters like every random number in lsc, so a draw depends only on (seed,
// purpose, step, chain, element). AIS starts its chains here (eval/ais.cpp), BDMC starts its
// reverse chains from p(u | s), and simulate_data (model/simulate.hpp) draws its latents here.
// The bars data set (data/bars.cpp) keeps its own draw of s, keyed as it always was, so that the
// data every recorded result used stay the same.
#include <cstdint>

#include "lsc/core/rng.hpp"
#include "lsc/prior/prior.hpp"

namespace lsc {

// log p(u): the normalized density of u (s = u for smooth priors; (λ/2) e^{−λ|u|} for l1 and l0,
// whose s = max(|u| − u0, 0) then has the spike-and-slab law of eq. 3.1).
Real log_prior_u(const Prior& prior, Real u);

// One exact draw of u from p(u): N(0, 1/λ) for gaussian, a Gamma scale mixture of normals for
// cauchy, ±Exp(λ) for laplace, l1 and l0.
Real draw_prior_u(const Prior& prior, const Philox& rng, Purpose purpose, std::uint64_t step, std::uint64_t chain,
                  std::uint32_t element);

// One exact draw of u from p(u | s): s itself for smooth priors; for l1 and l0 |u| = s + u0 when
// s > 0, and |u| ~ Exp(λ) truncated to [0, u0] when s = 0 (the spike), with a random sign.
Real draw_u_given_s(const Prior& prior, Real s, const Philox& rng, Purpose purpose, std::uint64_t step,
                    std::uint64_t chain, std::uint32_t element);

}  // namespace lsc
