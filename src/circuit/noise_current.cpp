#include "lsc/circuit/noise_current.hpp"

#include <algorithm>
#include <cmath>

#include "lsc/core/error.hpp"

namespace lsc::circuit {

NoiseCurrent::NoiseCurrent(Noise model, std::uint64_t seed, Index sources, double amplitude, double step, double dwell)
    : model_(model), rng_(seed), amplitude_(amplitude), step_(step), dwell_(dwell > 0 ? dwell : step),
      switches_(static_cast<std::size_t>(sources)) {
  require(step > 0 && amplitude >= 0, "the noise needs a positive step and a nonnegative amplitude.");
}

double NoiseCurrent::sample(Index source, std::uint64_t i) const {
  const auto w = rng_.words(Purpose::circuit_noise, i, static_cast<std::uint64_t>(source), 0);
  switch (model_) {
    case Noise::white: {
      double z0, z1;
      Philox::box_muller(w[0], w[1], z0, z1);
      return amplitude_ * z0;
    }
    case Noise::uniform:
      return amplitude_ * std::sqrt(3.0) * (2 * Philox::uniform(w[0]) - 1);
    case Noise::two_level:
      return (w[0] & 1u) ? amplitude_ : -amplitude_;
    default:
      return 0;
  }
}

double NoiseCurrent::operator()(Index source, double t) {
  if (model_ == Noise::none || t < 0) return 0;
  if (model_ == Noise::telegraph) {
    // Switching times t_1 < t_2 < ... after dwells −t_d log U_j, made as far as t needs them.
    std::vector<double>& s = switches_[static_cast<std::size_t>(source)];
    while (s.empty() || s.back() <= t) {
      const double last = s.empty() ? 0.0 : s.back();
      const auto j = static_cast<std::uint64_t>(s.size());
      s.push_back(last - dwell_ * std::log(Philox::uniform(rng_.words(Purpose::circuit_noise, j, static_cast<std::uint64_t>(source), 1)[0])));
    }
    const auto crossed = static_cast<std::size_t>(std::upper_bound(s.begin(), s.end(), t) - s.begin());
    const bool first_up = rng_.words(Purpose::circuit_noise, 0, static_cast<std::uint64_t>(source), 2)[0] & 1u;
    const double level = amplitude_ * std::sqrt(step_ / dwell_);
    return ((crossed % 2 == 0) == first_up) ? level : -level;
  }
  const double x = t / step_;
  const auto i = static_cast<std::uint64_t>(x);
  if (model_ != Noise::white) return sample(source, i);  // held
  const double f = x - double(i);
  return (1 - f) * sample(source, i) + f * sample(source, i + 1);
}

NoiseCurrent noise_current(const Model& model, const CircuitOptions& o, Index sources) {
  // White current of two-sided density 2Tα²C²/τ_u gives τ_u du = ... + √(2Tτ_u) dW on V = αu:
  // samples of standard deviation a every NT have the low-frequency density a²·NT.
  const double NT = noise_step(model, o);
  const double amplitude = o.volts * o.capacitance * std::sqrt(2 * o.temperature / (o.tau_u * NT));
  return NoiseCurrent(o.temperature > 0 ? o.noise : Noise::none, o.seed, sources, amplitude, NT, o.noise_correlation);
}

}  // namespace lsc::circuit
