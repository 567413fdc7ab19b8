// The circuits' noise currents (circuit/noise_current.hpp) against their stated spectra: every
// model's low-frequency density through the variance of its integral over windows, the pink
// noise's autocovariance on its grid and its 1/f normalization, and reproducibility from the seed.
// Tolerances are 4 standard errors of the estimates (independent sources and windows).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "lsc/circuit/noise_current.hpp"
#include "lsc/core/error.hpp"

namespace lsc::circuit {
namespace {

struct Moments {
  double variance, se;
};

// Variance of zero-mean values with the standard error of the estimate, sqrt((m4 − m2²)/n).
Moments variance_of(const std::vector<double>& v) {
  double m2 = 0, m4 = 0;
  for (double x : v) {
    m2 += x * x;
    m4 += x * x * x * x;
  }
  m2 /= double(v.size());
  m4 /= double(v.size());
  return {m2, std::sqrt((m4 - m2 * m2) / double(v.size()))};
}

// ∫ i dt over consecutive windows of length W of each source, by the midpoint rule with step h.
std::vector<double> window_integrals(NoiseCurrent& noise, Index sources, int windows, double W, double h) {
  std::vector<double> out;
  const int per_window = static_cast<int>(std::lround(W / h));
  for (Index s = 0; s < sources; ++s)
    for (int w = 0; w < windows; ++w) {
      double sum = 0;
      for (int i = 0; i < per_window; ++i) sum += noise(s, w * W + (i + 0.5) * h) * h;
      out.push_back(sum);
    }
  return out;
}

constexpr double kA = 2.0, kStep = 0.01, kTauU = 1.0;

// Var ∫₀ᵂ i dt of each white-like model and of telegraph noise: D·W at large W, with the exact
// finite-W terms of each model (interpolation's −1/2 sample, the telegraph's exponential).
TEST(NoiseCurrent, EveryModelHasTheStatedLowFrequencyDensity) {
  const double D = kA * kA * kStep;  // a²·NT
  const int n = 50;
  const double W = n * kStep;
  struct Case {
    Noise noise;
    double correlation, window, expected;
  };
  const double td = 4 * kStep, Wt = 20 * td;
  const std::vector<Case> cases = {
      {Noise::white, 0, W, kA * kA * kStep * kStep * (n - 0.5)},
      {Noise::uniform, 0, W, D * W},
      {Noise::two_level, 0, W, D * W},
      {Noise::telegraph, td, Wt, D * (Wt - td / 2 * (1 - std::exp(-2 * Wt / td)))},
  };
  for (const Case& c : cases) {
    NoiseCurrent noise(c.noise, 17, 16, kA, kStep, c.correlation, kTauU);
    const double h = c.noise == Noise::telegraph ? td / 200 : kStep / 8;
    const Moments m = variance_of(window_integrals(noise, 16, 500, c.window, h));
    EXPECT_NEAR(m.variance, c.expected, 4 * m.se) << name_of(c.noise) << ": " << m.variance << " ± " << m.se;
  }
}

// The pink noise is a sum of OU components sampled exactly on the grid of NT: its autocovariance
// at lag L is v·Σ_j exp(−L·NT/τ_j). Estimated per source (independent) and averaged.
TEST(NoiseCurrent, PinkNoiseHasTheAutocovarianceOfItsComponents) {
  const double tau_c = 64 * kStep;
  NoiseCurrent noise(Noise::pink, 5, 16, kA, kStep, tau_c, kTauU);
  ASSERT_EQ(noise.pink_times().size(), 7u);  // NT·2^j for j = 0..6
  const int grid = 40000;
  for (int lag : {0, 1, 8, 64}) {
    double expected = 0;
    for (double tau : noise.pink_times()) expected += noise.pink_variance() * std::exp(-lag * kStep / tau);
    std::vector<double> per_source;
    NoiseCurrent fresh(Noise::pink, 5, 16, kA, kStep, tau_c, kTauU);
    for (Index s = 0; s < 16; ++s) {
      std::vector<double> x(grid);
      for (int i = 0; i < grid; ++i) x[i] = fresh(s, i * kStep);
      double c = 0;
      for (int i = 0; i + lag < grid; ++i) c += x[i] * x[i + lag];
      per_source.push_back(c / (grid - lag));
    }
    double mean = 0, q = 0;
    for (double c : per_source) mean += c / 16;
    for (double c : per_source) q += (c - mean) * (c - mean) / 15;
    const double se = std::sqrt(q / 16);
    EXPECT_NEAR(mean, expected, 4 * se) << "lag " << lag << ": " << mean << " ± " << se << " vs " << expected;
    EXPECT_GT(expected, 8 * se) << "the test must be able to see the lag-" << lag << " covariance";
  }
}

// Between its corners the pink noise's density is 1/f and equals the white noise's a²·NT at
// ω = 1/τ_u: Σ_j 2v·τ_j/(1 + ω²τ_j²) = a²·NT·(1/(ωτ_u)) up to the octave sum's ripple (1e-6)
// and its corners, which take 2 ln2/π·(ωτ_0 + 1/(ωτ_max)) off: 7e-4 three decades inside them.
TEST(NoiseCurrent, PinkNoiseDensityIsOneOverFAndMatchesWhiteAtTauU) {
  const double step = 1e-4 * kTauU, tau_c = 1e4 * kTauU;
  NoiseCurrent noise(Noise::pink, 1, 1, kA, step, tau_c, kTauU);
  for (double omega : {0.1, 0.3, 1.0, 3.0, 10.0}) {
    double S = 0;
    for (double tau : noise.pink_times()) S += 2 * noise.pink_variance() * tau / (1 + omega * omega * tau * tau);
    EXPECT_NEAR(S * omega * kTauU / (kA * kA * step), 1.0, 1e-3) << "omega " << omega;
  }
}

// Same seed, same currents whatever the order of the questions (ngspice goes back after a
// rejected step); another seed, other currents; no question further back than the pink window.
TEST(NoiseCurrent, CurrentsAreReproducibleFromTheSeedInAnyOrder) {
  for (Noise model : {Noise::white, Noise::uniform, Noise::two_level, Noise::telegraph, Noise::pink}) {
    NoiseCurrent forward(model, 9, 2, kA, kStep, 3 * kStep, kTauU), backward(model, 9, 2, kA, kStep, 3 * kStep, kTauU),
        other(model, 10, 2, kA, kStep, 3 * kStep, kTauU);
    std::vector<double> times;
    for (int i = 0; i < 400; ++i) times.push_back(0.37 * kStep * i);
    std::vector<double> f, b(times.size());
    for (double t : times) f.push_back(forward(1, t));
    b.back() = backward(1, times.back());
    for (std::size_t i = times.size(); i-- > 0;) b[i] = backward(1, times[i]);
    EXPECT_EQ(f, b) << name_of(model);
    int same = 0;
    for (std::size_t i = 0; i < times.size(); ++i) same += other(1, times[i]) == f[i];
    // Two-level and telegraph currents take two values, so half the answers agree by chance.
    const bool two_valued = model == Noise::two_level || model == Noise::telegraph;
    EXPECT_LT(same, two_valued ? 300 : 4) << name_of(model);
  }
  NoiseCurrent pink(Noise::pink, 1, 1, kA, kStep, 10 * kStep, kTauU);
  pink(0, 2.0 * NoiseCurrent::kPinkWindow * kStep);
  EXPECT_THROW(pink(0, 0.0), Error);
}

}  // namespace
}  // namespace lsc::circuit
