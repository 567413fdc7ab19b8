#include "lsc/model/simulate.hpp"

#include "lsc/core/error.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/prior/prior.hpp"
#include "lsc/prior/prior_sampling.hpp"

namespace lsc {

namespace {
// Streams of Purpose::ais that AIS's own (16·t + role·3 + use, t ≥ 1 … ) never reach: the latents
// and the noise of simulated data (kept from when this lived in eval/ais.cpp: same seed, same data).
constexpr std::uint64_t kSimulateLatents = 9, kSimulateNoise = 10;
}  // namespace

SimulatedData simulate_data(const Model& model, Index N, std::uint64_t seed) {
  model.validate();
  require(N >= 1, "the number of simulated points must be at least 1.");
  const Index K = model.K(), D = model.D();
  const Philox rng(seed);
  SimulatedData out{Matrix(D, N), Matrix(K, N)};
  Vector noise(D);
  visit_prior(model.prior, [&](const auto& ops) {
    for (Index n = 0; n < N; ++n) {
      for (Index k = 0; k < K; ++k)
        out.S(k, n) = ops.s(draw_prior_u(model.prior, rng, Purpose::ais, kSimulateLatents, static_cast<std::uint64_t>(n),
                                         static_cast<std::uint32_t>(k)));
      rng.normals(Purpose::ais, kSimulateNoise, static_cast<std::uint64_t>(n), noise.data(), D);
      out.X.col(n) = model.A * out.S.col(n) + model.sigma * noise;
    }
  });
  return out;
}

}  // namespace lsc
