#pragma once
// The noise currents of the circuits (docs/circuit.md), computed by lsc and handed to ngspice as
// EXTERNAL current sources: every value is a function of (seed, source, time) through Philox, so
// a circuit run is reproducible, which ngspice's own random sources were not (their seed did not
// hold across runs of the library). Models, all with the low-frequency power spectral density
// a²·NT of `amplitude` a and `step` NT (inference_circuit.hpp, Noise):
//   white      N(0, a²) samples every NT, linearly interpolated (as ngspice's TRNOISE)
//   uniform    uniform on [−√3 a, √3 a], held for NT
//   two_level  ±a, held for NT
//   telegraph  ±a·√(NT/t_d), switching after exponential dwells of mean t_d
#include <cstdint>
#include <vector>

#include "lsc/circuit/inference_circuit.hpp"
#include "lsc/core/rng.hpp"

namespace lsc::circuit {

class NoiseCurrent {
 public:
  NoiseCurrent(Noise model, std::uint64_t seed, Index sources, double amplitude, double step, double dwell);
  // The current of source `source` at time t ≥ 0 (ngspice asks in any order: rejected steps go back).
  double operator()(Index source, double t);

 private:
  double sample(Index source, std::uint64_t i) const;  // the i-th value of a sampled model

  Noise model_;
  Philox rng_;
  double amplitude_, step_, dwell_;
  std::vector<std::vector<double>> switches_;  // telegraph: switching times so far, per source
};

// The noise of a circuit with these options: `sources` sources at the density of temperature T.
NoiseCurrent noise_current(const Model& model, const CircuitOptions& options, Index sources);

}  // namespace lsc::circuit
