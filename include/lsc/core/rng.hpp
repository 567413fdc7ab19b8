#pragma once
// Counter-based random numbers (Random123 Philox4x32-10). Every draw is a pure function of
// (seed, purpose, step, chain, element), so the noise does not depend on thread count, on how a
// batch is split, or on the order in which chains are visited. Results are bit-identical for
// any thread count (the reproducibility promise); a chain run inside a batch of another size
// sees the same noise but may differ in the last bits, since the matrix products' summation
// order depends on the matrix sizes.
#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <numbers>

#include "lsc/core/noise.hpp"

namespace lsc {

// What a stream of numbers is for; part of the counter so that streams never overlap.
enum class Purpose : std::uint32_t {
  langevin_noise = 1,  // ξ of eq. 2.29 / 3.9
  metropolis = 2,      // MALA accept/reject uniforms
  initial_state = 3,   // chain initialization
  batch = 4,           // which data points make a batch
  data = 5,            // data: step 0 bars coefficients, 1 bars noise, 2 patch positions, 3 image split
  dictionary = 6,      // random initial dictionary
  ais = 7,             // annealed importance sampling: prior draws, HMC momenta, accept/reject
  nn_init = 8,         // neural-network weights (step: layer id, chain: output unit)
  svae_noise = 9,      // SVAE reparameterization noise n of SVAE eq. 25
  dead_zone_jump = 10, // L0 dead-zone jump accept/reject uniforms (langevin_update.hpp)
  circuit_noise = 11,  // the circuit's noise currents (step: sample or dwell index, chain: source)
  momentum = 12,       // the kinetic samplers' momentum refreshes (backend/cpu/kinetic_engine.cpp)
};

class Philox {
 public:
  using Gen = r123::Philox4x32;

  explicit Philox(std::uint64_t seed)
      : key_{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}} {}

  // Four independent 32-bit words for block `block` of (purpose, step, chain).
  Gen::ctr_type words(Purpose purpose, std::uint64_t step, std::uint64_t chain,
                      std::uint32_t block) const {
    // step and chain are 64-bit in the API; the counter holds 32 bits of each plus the purpose
    // in the high bits of the last word (steps < 2^32 and chains < 2^32 in practice).
    const noise::Counter c = noise::counter_of(static_cast<std::uint32_t>(purpose), step, chain, block);
    const Gen::ctr_type ctr = {{c.c0, c.c1, c.c2, c.c3}};
    return gen_(ctr, key_);
  }

  // Uniform in (0, 1], never 0, from a 32-bit word (safe for log()).
  static double uniform(std::uint32_t w) { return (static_cast<double>(w) + 1.0) * 0x1p-32; }

  // Two standard normals from two words (Box-Muller).
  static void box_muller(std::uint32_t w0, std::uint32_t w1, double& z0, double& z1) {
    const double r = std::sqrt(-2.0 * std::log(uniform(w0)));
    const double t = 2.0 * std::numbers::pi * (static_cast<double>(w1) * 0x1p-32);
    z0 = r * std::cos(t);
    z1 = r * std::sin(t);
  }

  // Fills out[0..n) with standard normals of (purpose, step, chain); element i comes from
  // block i/4, so any prefix of the column is the same whatever n is.
  void normals(Purpose purpose, std::uint64_t step, std::uint64_t chain, double* out,
               std::int64_t n) const {
    for (std::int64_t i = 0; i < n; i += 4) {
      const Gen::ctr_type w = words(purpose, step, chain, static_cast<std::uint32_t>(i / 4));
      double z[4];
      box_muller(w[0], w[1], z[0], z[1]);
      box_muller(w[2], w[3], z[2], z[3]);
      for (std::int64_t j = 0; j < 4 && i + j < n; ++j) out[i + j] = z[j];
    }
  }

  // Fills out[0..n) with uniforms in (0, 1].
  void uniforms(Purpose purpose, std::uint64_t step, std::uint64_t chain, double* out,
                std::int64_t n) const {
    for (std::int64_t i = 0; i < n; i += 4) {
      const Gen::ctr_type w = words(purpose, step, chain, static_cast<std::uint32_t>(i / 4));
      for (std::int64_t j = 0; j < 4 && i + j < n; ++j) out[i + j] = uniform(w[j]);
    }
  }

  double uniform(Purpose purpose, std::uint64_t step, std::uint64_t chain) const {
    return uniform(words(purpose, step, chain, 0)[0]);
  }

 private:
  Gen::key_type key_;
  Gen gen_;
};

}  // namespace lsc
