#pragma once
// The noise of the fused steps, written once for the CPU and the CUDA backends: Philox4x32-10
// on the counter layout of lsc::Philox (rng.hpp), and a Box-Muller transform whose logarithm,
// sine and cosine are short polynomials instead of library calls, so that a loop over many
// counters vectorizes on the CPU and runs unchanged on the GPU. The same (seed, purpose, step,
// chain, block) gives the same words on both; the normals agree to the last bits of T.
//
// Accuracy (tests/core/test_noise.cpp): the polynomials are within a few ulp of std::log,
// std::sin and std::cos; uniforms are the centers of 2^24 (float) or 2^32 (double) bins, so
// the largest |z| is 5.8 (float) or 6.7 (double), tails of probability 7e-9 and 2e-11.
#include <cstdint>
#include <type_traits>

#include "lsc/core/hd.hpp"

namespace lsc::noise {

struct Key {
  std::uint32_t k0, k1;
};

LSC_HD Key key_of(std::uint64_t seed) {
  return {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
}

// The counter of block `block` of (purpose, step, chain): 32 bits of step and chain each, plus
// the purpose and their high bits mixed into the last word (rng.hpp uses the same layout).
struct Counter {
  std::uint32_t c0, c1, c2, c3;
};

LSC_HD Counter counter_of(std::uint32_t purpose, std::uint64_t step, std::uint64_t chain,
                          std::uint32_t block) {
  return {block, static_cast<std::uint32_t>(chain), static_cast<std::uint32_t>(step),
          (purpose << 24) ^ static_cast<std::uint32_t>(chain >> 32) ^
              (static_cast<std::uint32_t>(step >> 32) << 12)};
}

// Philox4x32-10 (Salmon, Moraes, Dror & Shaw, SC'11), the generator behind r123::Philox4x32,
// as plain integer arithmetic: in a loop over counters the 32×32→64-bit products become vector
// multiplies. Checked bit for bit against Random123 in the tests.
LSC_HD Counter philox(Counter c, Key k) {
  LSC_UNROLL
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t{0xD2511F53u} * c.c0;
    const std::uint64_t p1 = std::uint64_t{0xCD9E8D57u} * c.c2;
    c = {static_cast<std::uint32_t>(p1 >> 32) ^ c.c1 ^ k.k0, static_cast<std::uint32_t>(p1),
         static_cast<std::uint32_t>(p0 >> 32) ^ c.c3 ^ k.k1, static_cast<std::uint32_t>(p0)};
    k.k0 += 0x9E3779B9u;
    k.k1 += 0xBB67AE85u;
  }
  return c;
}

// Uniform in (0, 1) from a word: the center of one of 2^24 (float) or 2^32 (double) equal bins,
// exact in T, never 0 or 1.
template <class T>
LSC_HD T uniform(std::uint32_t w);
template <>
LSC_HD float uniform<float>(std::uint32_t w) {
  return (static_cast<float>(w >> 8) + 0.5f) * 0x1p-24f;
}
template <>
LSC_HD double uniform<double>(std::uint32_t w) {
  return (static_cast<double>(w) + 0.5) * 0x1p-32;
}

// log(x) for normal positive x: x = m·2^e with m in [√½, √2), log m = 2 atanh(t), t = (m−1)/(m+1),
// |t| ≤ 0.172, summed as a series in t² to below T's rounding (6 terms for float, 13 for double).
template <class T>
LSC_HD T log(T x) {
  constexpr bool single = sizeof(T) == 4;
  using Bits = std::conditional_t<single, std::uint32_t, std::uint64_t>;
  constexpr int mantissa = single ? 23 : 52;
  constexpr Bits exponent_bias = single ? 127 : 1023;
  constexpr Bits mantissa_mask = (Bits{1} << mantissa) - 1;
  const Bits b = hd::bits(x);
  T m = hd::from_bits(static_cast<Bits>((b & mantissa_mask) | (exponent_bias << mantissa)));
  T e = static_cast<T>(static_cast<int>(b >> mantissa) - static_cast<int>(exponent_bias));
  const bool high = m > T(1.41421356237309504880);
  m = high ? m * T(0.5) : m;
  e = high ? e + T(1) : e;
  const T t = (m - T(1)) / (m + T(1)), t2 = t * t;
  constexpr int terms = single ? 6 : 13;
  T series = T(1) / T(2 * terms - 1);
  LSC_UNROLL
  for (int n = terms - 2; n >= 0; --n) series = series * t2 + T(1) / T(2 * n + 1);
  return e * T(0.693147180559945309417) + T(2) * t * series;
}

// cos(2πv) and sin(2πv) for v in [0, 1): v = q/4 + r with |r| ≤ 1/8 exactly, Taylor series of
// the angle 2πr ∈ [−π/4, π/4] to below T's rounding, then the quadrant q by swaps and signs.
template <class T>
LSC_HD void cos_sin_2pi(T v, T& c, T& s) {
  constexpr bool single = sizeof(T) == 4;
  const T qf = static_cast<T>(static_cast<int>(v * T(4) + T(0.5)));
  const int q = static_cast<int>(qf);
  const T a = (v - qf * T(0.25)) * T(6.28318530717958647692), a2 = a * a;
  constexpr int terms = single ? 6 : 10;  // (π/4)^(2·terms)/(2·terms)! below T's epsilon
  T cs = T(1), sn = T(1);
  LSC_UNROLL
  for (int n = terms; n >= 1; --n) {
    cs = T(1) - cs * a2 * (T(1) / T((2 * n - 1) * (2 * n)));
    sn = T(1) - sn * a2 * (T(1) / T((2 * n) * (2 * n + 1)));
  }
  sn *= a;
  const T c1 = (q & 1) ? sn : cs, s1 = (q & 1) ? cs : sn;
  c = ((q + 1) & 2) ? -c1 : c1;
  s = (q & 2) ? -s1 : s1;
}

// Two standard normals from two words (Box-Muller).
template <class T>
LSC_HD void box_muller(std::uint32_t w0, std::uint32_t w1, T& z0, T& z1) {
  const T r = hd::sqrt(T(-2) * log(uniform<T>(w0)));
  T c, s;
  cos_sin_2pi(uniform<T>(w1), c, s);
  z0 = r * c;
  z1 = r * s;
}

// The four normals of block `block` of (purpose, step, chain).
template <class T>
LSC_HD void normals4(Key key, std::uint32_t purpose, std::uint64_t step, std::uint64_t chain,
                     std::uint32_t block, T z[4]) {
  const Counter w = philox(counter_of(purpose, step, chain, block), key);
  box_muller(w.c0, w.c1, z[0], z[1]);
  box_muller(w.c2, w.c3, z[2], z[3]);
}

// Which normal feeds coefficient k of a chain with K coefficients in the fused steps. Blocks are
// taken up to kGroupBlocks at a time; within a group of `lanes` blocks, word j of block b feeds
// coefficient k0 + lanes·j + b, where words 0 and 1 (2 and 3) are the cosine and sine normals
// of the block's first (second) Box-Muller pair. A group's normals thus come out of the
// generator contiguously, in the order the coefficients use them: the CPU computes a group with
// one vector lane per block, a GPU thread computes one block.
inline constexpr int kGroupBlocks = 16;

struct NoiseSource {
  std::uint32_t block;  // Philox block of (purpose, step, chain)
  int word;             // 0-3: normal z[word] of normals4
};

LSC_HD NoiseSource noise_source(std::int64_t K, std::int64_t k) {
  const std::int64_t group = 4 * kGroupBlocks, k0 = k / group * group;
  const std::int64_t m = K - k0 < group ? K - k0 : group;
  const std::int64_t lanes = (m + 3) / 4, e = k - k0;
  return {static_cast<std::uint32_t>(k0 / 4 + e % lanes), static_cast<int>(e / lanes)};
}

}  // namespace lsc::noise
