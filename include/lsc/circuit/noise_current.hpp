#pragma once
// The noise currents of the circuits (docs/circuit.md), computed by lsc and handed to ngspice as
// EXTERNAL current sources: every value is a function of (seed, source, time) through Philox, so
// a circuit run is reproducible, which ngspice's own random sources were not (their seed did not
// hold across runs of the library). Models, with `amplitude` a and `step` NT (inference_circuit.hpp,
// Noise); all but pink have the low-frequency density D = a²·NT (Var ∫₀ᵗ i dt → D·t):
//   white      N(0, a²) samples every NT, linearly interpolated (as ngspice's TRNOISE)
//   uniform    uniform on [−√3 a, √3 a], held for NT
//   two_level  ±a, held for NT
//   telegraph  ±a·√(NT/t_d), switching after exponential dwells of mean t_d (correlation t_d/2)
//   pink       a sum of Ornstein-Uhlenbeck currents with correlation times NT·2^j up to τ_c,
//              each of variance a²·NT·ln2/(π τ_u): density ∝ 1/f between 1/(2π τ_c) and
//              1/(2π NT), equal to the white noise's D at ω = 1/τ_u; sampled exactly on the grid
//              of NT and linearly interpolated
#include <cstdint>
#include <deque>
#include <vector>

#include "lsc/circuit/inference_circuit.hpp"
#include "lsc/core/rng.hpp"

namespace lsc::circuit {

class NoiseCurrent {
 public:
  // `correlation`: the telegraph's mean dwell t_d or the pink noise's longest correlation time τ_c
  // (0: `step`); `tau_u`: where the pink noise's density equals the white noise's.
  NoiseCurrent(Noise model, std::uint64_t seed, Index sources, double amplitude, double step, double correlation,
               double tau_u);
  // The current of source `source` at time t ≥ 0. ngspice asks in any order within a few steps
  // (rejected steps go back); the pink noise keeps the last kPinkWindow grid values per source.
  double operator()(Index source, double t);

  // The pink noise's components: correlation times (s) and the variance of each.
  const std::vector<double>& pink_times() const { return pink_tau_; }
  double pink_variance() const { return pink_variance_; }

  static constexpr std::uint64_t kPinkWindow = 1 << 14;

 private:
  double sample(Index source, std::uint64_t i) const;  // the i-th value of a white-like model
  double pink(Index source, std::uint64_t i);          // the pink noise at grid point i

  struct PinkSource {
    std::vector<double> state;  // the OU components at grid point `first + values.size() − 1`
    std::deque<double> values;  // their sums at grid points first, first + 1, ...
    std::uint64_t first = 0;
  };

  Noise model_;
  Philox rng_;
  double amplitude_, step_, dwell_;
  std::vector<std::vector<double>> switches_;  // telegraph: switching times so far, per source
  std::vector<double> pink_tau_;
  double pink_variance_ = 0;
  std::vector<PinkSource> pink_;
};

// The noise of a circuit with these options: `sources` sources at the density of temperature T.
NoiseCurrent noise_current(const Model& model, const CircuitOptions& options, Index sources);

}  // namespace lsc::circuit
