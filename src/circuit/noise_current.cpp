#include "lsc/circuit/noise_current.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "lsc/core/error.hpp"

namespace lsc::circuit {

NoiseCurrent::NoiseCurrent(Noise model, std::uint64_t seed, Index sources, double amplitude, double step,
                           double correlation, double tau_u)
    : model_(model), rng_(seed), amplitude_(amplitude), step_(step), dwell_(correlation > 0 ? correlation : step),
      switches_(static_cast<std::size_t>(sources)) {
  require(step > 0 && amplitude >= 0 && tau_u > 0, "the noise needs a positive step and tau_u and a nonnegative amplitude.");
  if (model_ != Noise::pink) return;
  // One OU component per octave: Σ_j 2v·τ_j/(1 + ω²τ_j²) ≈ π·v/(ω·ln 2) between the corners
  // (the sum approximates the integral over log τ), so v = a²·NT·ln2/(π τ_u) puts the density
  // at ω = 1/τ_u at the white noise's a²·NT.
  for (double tau = step; pink_tau_.empty() || tau <= dwell_ * (1 + 1e-9); tau *= 2) pink_tau_.push_back(tau);
  pink_variance_ = amplitude * amplitude * step * std::log(2.0) / (std::numbers::pi * tau_u);
  pink_.resize(static_cast<std::size_t>(sources));
}

double NoiseCurrent::pink(Index source, std::uint64_t i) {
  PinkSource& p = pink_[static_cast<std::size_t>(source)];
  require(i >= p.first, "the pink noise was asked for a time more than " + std::to_string(kPinkWindow) +
                            " noise steps back; this is a defect of the circuit's time stepping, please report it.");
  const std::size_t M = pink_tau_.size();
  const double sd = std::sqrt(pink_variance_);
  // Normals for grid point n, components j: Philox block 3 + j/4 of (n, source).
  auto normals = [&](std::uint64_t n, std::vector<double>& z) {
    z.resize((M + 3) / 4 * 4);
    for (std::size_t b = 0; b < z.size() / 4; ++b) {
      const auto w = rng_.words(Purpose::circuit_noise, n, static_cast<std::uint64_t>(source), static_cast<std::uint32_t>(3 + b));
      Philox::box_muller(w[0], w[1], z[4 * b], z[4 * b + 1]);
      Philox::box_muller(w[2], w[3], z[4 * b + 2], z[4 * b + 3]);
    }
  };
  std::vector<double> z;
  while (p.first + p.values.size() <= i) {
    const std::uint64_t n = p.first + p.values.size();
    normals(n, z);
    if (n == 0) {
      p.state.resize(M);  // stationary start
      for (std::size_t j = 0; j < M; ++j) p.state[j] = sd * z[j];
    } else {
      for (std::size_t j = 0; j < M; ++j) {  // the OU's exact transition over NT
        const double rho = std::exp(-step_ / pink_tau_[j]);
        p.state[j] = rho * p.state[j] + sd * std::sqrt(1 - rho * rho) * z[j];
      }
    }
    double sum = 0;
    for (double x : p.state) sum += x;
    p.values.push_back(sum);
    if (p.values.size() > kPinkWindow) {
      p.values.pop_front();
      ++p.first;
    }
  }
  return p.values[static_cast<std::size_t>(i - p.first)];
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
  const double f = x - double(i);
  if (model_ == Noise::pink) {
    const double next = pink(source, i + 1);  // first, so that i is still in the window
    return (1 - f) * pink(source, i) + f * next;
  }
  if (model_ != Noise::white) return sample(source, i);  // held
  return (1 - f) * sample(source, i) + f * sample(source, i + 1);
}

NoiseCurrent noise_current(const Model& model, const CircuitOptions& o, Index sources) {
  // White current of two-sided density 2Tα²C²/τ_u gives τ_u du = ... + √(2Tτ_u) dW on V = αu:
  // samples of standard deviation a every NT have the low-frequency density a²·NT.
  const double NT = noise_step(model, o);
  const double amplitude = o.volts * o.capacitance * std::sqrt(2 * o.temperature / (o.tau_u * NT));
  // Pink noise without a stated τ_c reaches down to the run's lowest frequency, 1/duration.
  const double correlation = o.noise_correlation > 0 ? o.noise_correlation : o.noise == Noise::pink ? o.duration : 0;
  return NoiseCurrent(o.temperature > 0 ? o.noise : Noise::none, o.seed, sources, amplitude, NT, correlation, o.tau_u);
}

}  // namespace lsc::circuit
