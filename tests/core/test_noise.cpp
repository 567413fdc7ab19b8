// The noise of the fused steps (core/noise.hpp): Philox bit for bit against Random123, the
// polynomial log/cos/sin against the C library, and the normals against N(0, 1).
#include <gtest/gtest.h>

#include <Random123/philox.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "../support/stats.hpp"
#include "lsc/core/noise.hpp"
#include "lsc/core/rng.hpp"

namespace lsc {
namespace {

TEST(Noise, PhiloxIsRandom123sPhilox4x32_10) {
  r123::Philox4x32 reference;
  for (std::uint64_t seed : {0ull, 1ull, 0xDEADBEEFCAFEull}) {
    const noise::Key key = noise::key_of(seed);
    for (std::uint32_t i = 0; i < 1000; ++i) {
      const noise::Counter c = noise::counter_of(i % 11, 977ull * i, 0x100000000ull + i, i);
      const noise::Counter w = noise::philox(c, key);
      const auto r = reference({{c.c0, c.c1, c.c2, c.c3}}, {{key.k0, key.k1}});
      ASSERT_EQ(w.c0, r[0]);
      ASSERT_EQ(w.c1, r[1]);
      ASSERT_EQ(w.c2, r[2]);
      ASSERT_EQ(w.c3, r[3]);
    }
  }
  // The core's Philox keys the same counters (one layout for every stream).
  const Philox core(42);
  const auto a = core.words(Purpose::langevin_noise, 7, 9, 3);
  const noise::Counter b = noise::philox(noise::counter_of(1, 7, 9, 3), noise::key_of(42));
  EXPECT_EQ(a[0], b.c0);
  EXPECT_EQ(a[3], b.c3);
}

template <class T>
void expect_accurate_math(T ulps) {
  const T eps = std::numeric_limits<T>::epsilon();
  Real worst_log = 0, worst_trig = 0;
  for (std::uint32_t i = 0; i < 200000; ++i) {
    const std::uint32_t w = i * 21474u + (i >> 3) * 2654435761u;
    const T u = noise::uniform<T>(w);
    ASSERT_GT(u, T(0));
    ASSERT_LT(u, T(1));
    // Absolute error relative to the scale of log near 1, where log u → 0.
    worst_log = std::max<Real>(worst_log, std::abs(noise::log(u) - std::log(u)) / std::max<T>(T(1), std::abs(std::log(u))));
    T c, s;
    noise::cos_sin_2pi(u, c, s);
    const T angle = T(2 * std::numbers::pi) * u;
    worst_trig = std::max<Real>(worst_trig, std::max(std::abs(c - std::cos(angle)), std::abs(s - std::sin(angle))));
  }
  EXPECT_LE(worst_log, ulps * eps);
  // std::sin(2π·u) itself carries the rounding of 2π·u (up to 2π·eps): compare at that scale.
  EXPECT_LE(worst_trig, (ulps + 8) * eps);
}

TEST(Noise, PolynomialLogAndTrigAreAccurate) {
  expect_accurate_math<float>(4);
  expect_accurate_math<double>(4);
}

// Mean, variance, fourth moment and Kolmogorov-Smirnov of 10^6 normals, and independence of
// neighbours (the lag-1 correlation), each at 4 standard errors.
template <class T>
void expect_standard_normal() {
  const noise::Key key = noise::key_of(5);
  const std::size_t n = 1 << 20;
  std::vector<Real> z(n);
  for (std::size_t i = 0; i < n; i += 4) {
    T v[4];
    noise::normals4<T>(key, 1, i / 4096, 3, static_cast<std::uint32_t>((i / 4) % 1024), v);
    for (int j = 0; j < 4; ++j) z[i + j] = v[j];
  }
  Real m1 = 0, m2 = 0, m4 = 0, lag = 0;
  for (std::size_t i = 0; i < n; ++i) {
    m1 += z[i];
    m2 += z[i] * z[i];
    m4 += z[i] * z[i] * z[i] * z[i];
    if (i + 1 < n) lag += z[i] * z[i + 1];
  }
  const Real N = static_cast<Real>(n);
  EXPECT_LE(std::abs(m1 / N), 4 / std::sqrt(N));
  EXPECT_LE(std::abs(m2 / N - 1), 4 * std::sqrt(2 / N));
  EXPECT_LE(std::abs(m4 / N - 3), 4 * std::sqrt(96 / N));  // Var z⁴ = 105 − 9
  EXPECT_LE(std::abs(lag / N), 4 / std::sqrt(N));
  const Real d = test::ks_statistic(z, [](Real v) { return 0.5 * std::erfc(-v / std::sqrt(2.0)); });
  EXPECT_LE(d, test::ks_critical(n, 1e-3));
  // Power: the same sample rejects a normal 2 % too wide.
  EXPECT_GT(test::ks_statistic(z, [](Real v) { return 0.5 * std::erfc(-v / (1.02 * std::sqrt(2.0))); }),
            test::ks_critical(n, 1e-3));
}

TEST(Noise, NormalsAreStandardNormalFloat) { expect_standard_normal<float>(); }
TEST(Noise, NormalsAreStandardNormalDouble) { expect_standard_normal<double>(); }

}  // namespace
}  // namespace lsc
