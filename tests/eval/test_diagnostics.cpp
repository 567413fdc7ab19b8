// MCMC convergence diagnostics (include/lsc/eval/diagnostics.hpp):
//  (a) fixed arrays against tests/python/diagnostics_reference.py, an independent NumPy/SciPy
//      implementation of Vehtari et al. (2021) as ArviZ defines it (ArviZ itself is not packaged
//      by Debian; the reference agrees with a transcription of ArviZ 0.1x's functions to 1e-14 on
//      these cases and on 300 random AR(1) arrays, except where lsc's choices differ: R̂ of one
//      chain and of constant draws, where ArviZ gives NaN);
//  (b) a hand-checkable case, T = 4 draws of M = 2 chains;
//  (c) statistical behaviour over 100 seeds per scenario, with tolerances from the spread measured
//      over 2000 replicates by tests/python/diagnostics_spread.py: i.i.d. normal chains, AR(1)
//      chains against their known ESS, shifted means, different scales, Cauchy and 0/1 draws;
//  (d) exact invariances: bulk R̂ and bulk- and tail-ESS under increasing transforms, 0/1 draws;
//  (e) the batched (M, T, Q) layout, for any thread count;
//  (f) the convergence summary and its one-line warning; one-sentence errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/eval/diagnostics.hpp"

namespace lsc {
namespace {

constexpr Real kInf = std::numeric_limits<Real>::infinity();
constexpr Real kNaN = std::numeric_limits<Real>::quiet_NaN();

// ---- The draws of the reference cases: splitmix64 + Box-Muller, as draws_of() in
// tests/python/diagnostics_reference.py, bit for bit.

struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  Real uniform() { return (Real(next() >> 11) + 0.5) * 0x1p-53; }
  // Rounded on return, as in Python: inlined into x + normal(), its product would otherwise be
  // fused with the sum (FMA under -march=native).
  Real normal() {
    const Real u1 = uniform(), u2 = uniform();
    const volatile Real z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    return z;
  }
};

Matrix reference_draws(const std::string& kind, Real param, std::uint64_t seed, Index M, Index T) {
  Matrix x(T, M);
  for (Index m = 0; m < M; ++m) {
    SplitMix64 g{seed * 1000 + std::uint64_t(m)};
    if (kind == "ar1") {
      // Products rounded before the sums, as in Python: a fused multiply-add (-march=native)
      // would move the draws by an ulp, enough to break the tie that folding makes of the two
      // draws either side of the median (equally far from it) and change the folded R̂ by 1e-5.
      const volatile Real square = param * param;
      Real v = g.normal() / std::sqrt(1.0 - square);
      for (Index t = 0; t < T; ++t) {
        if (t > 0) {
          const volatile Real product = param * v;
          v = product + g.normal();
        }
        x(t, m) = v;
      }
      continue;
    }
    for (Index t = 0; t < T; ++t) {
      Real v = 0;
      if (kind == "normal") {
        v = g.normal();
      } else if (kind == "shift") {
        v = g.normal() + param * Real(m);
      } else if (kind == "scale") {
        v = g.normal() * (1.0 + param * Real(m));
      } else if (kind == "cauchy") {
        const Real a = g.normal();
        v = a / g.normal();
      } else if (kind == "bernoulli") {
        v = g.uniform() < param ? 1.0 : 0.0;
      } else if (kind == "levels") {
        v = std::floor(param * g.uniform());
      } else if (kind == "constant") {
        v = param;
      } else if (kind == "chainconst") {
        v = Real(m);
      } else {
        ADD_FAILURE() << "unknown kind " << kind;
      }
      x(t, m) = v;
    }
  }
  return x;
}

struct ReferenceCase {
  const char* name;
  const char* kind;
  Real param;
  std::uint64_t seed;
  Index chains, draws;
  Real expected[9];  // mean, sd, rhat, rhat_bulk, rhat_folded, ess_bulk, ess_tail, ess_mean, mcse_mean
};

const ReferenceCase kReference[] = {
#include "diagnostics_reference.inc"
};

std::vector<Real> fields(const Diagnostics& d) {
  return {d.mean, d.sd, d.rhat, d.rhat_bulk, d.rhat_folded, d.ess_bulk, d.ess_tail, d.ess_mean, d.mcse_mean};
}

// Equal, NaN equal to NaN: for the bitwise comparisons.
bool same(Real a, Real b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

// ---- (a)

TEST(Diagnostics, AgreeWithTheReferenceOnFixedArrays) {
  const char* names[] = {"mean", "sd", "rhat", "rhat_bulk", "rhat_folded", "ess_bulk", "ess_tail", "ess_mean", "mcse_mean"};
  for (const ReferenceCase& c : kReference) {
    const Matrix x = reference_draws(c.kind, c.param, c.seed, c.chains, c.draws);
    const std::vector<Real> got = fields(diagnose(x));
    for (int f = 0; f < 9; ++f) {
      const Real want = c.expected[f];
      if (std::isnan(want) || std::isinf(want)) {
        EXPECT_TRUE(same(got[f], want)) << c.name << " " << names[f] << ": " << got[f] << " vs " << want;
      } else {
        // The two differ only in rounding (FFT against direct sums, summation order): at most
        // 3e-14 relative here; 1e-10 leaves room for other compilers and libms, and is far
        // below any difference of definition (those change the third digit).
        EXPECT_NEAR(got[f], want, 1e-10 * std::max(std::abs(want), 1e-3)) << c.name << " " << names[f];
      }
    }
  }
}

TEST(Diagnostics, NormalQuantileToFullPrecision) {
  // Values of scipy.special.ndtri.
  const std::pair<Real, Real> known[] = {{0.975, 1.959963984540054},         {0.8413447460685429, 1.0},
                                         {1e-10, -6.361340902404056},        {0.3, -0.5244005127080409},
                                         {0.999999999999, 7.0344869100478356}, {0.02, -2.053748910631823},
                                         {0.500000001, 2.5066282037387115e-09}, {1e-300, -37.0470962993612}};
  for (const auto& [p, z] : known) EXPECT_NEAR(normal_quantile(p), z, 4e-16 * std::max(1.0, std::abs(z))) << p;
  EXPECT_EQ(normal_quantile(0.5), 0.0);
  // Exactly antisymmetric: for q ≥ ½, 1 − q is exact (Sterbenz), and Φ⁻¹(q) is computed as −Φ⁻¹(1 − q).
  for (Real q = 0.5; q < 1; q += 0.0173) EXPECT_EQ(normal_quantile(q), -normal_quantile(1 - q)) << q;
  EXPECT_THROW(normal_quantile(0.0), Error);
  EXPECT_THROW(normal_quantile(1.0), Error);
}

// ---- (b) T = 4 draws of M = 2 chains: chain 0 = (1, 3, 2, 6), chain 1 = (4, 8, 5, 7).
//
// mean = 36/8 = 4.5; the squared deviations sum to 42, so sd = √(42/7) = √6.
// Split chains (n = 2): (1, 3), (2, 6), (4, 8), (5, 7); S = 8. The values are 1..8, so each
// value is its own rank, and z_v = Φ⁻¹((v − 3/8)/8.25), with z_{9−v} = −z_v. Writing
// a = z_8, b = z_7, c = z_6, d = z_5, the split chains become (−a, −c), (−b, c), (−d, a), (d, b),
// with means (−a − c)/2, (c − b)/2, (a − d)/2, (b + d)/2 (grand mean 0) and variances
// (a − c)²/2, (b + c)²/2, (a + d)²/2, (b − d)²/2 (two draws, divisor 1).
// Then W = the mean of the variances, B/n = Σ means²/3, and R̂ = √((W/2 + B/n)/W) (§3).
// Folded: the median is 4.5 and |v − 4.5| = 3.5, 1.5, 2.5, 1.5, 0.5, 3.5, 0.5, 2.5 for
// v = 1, 3, 2, 6, 4, 8, 5, 7: pairs of ties with average ranks 1.5 (0.5), 3.5 (1.5), 5.5 (2.5) and
// 7.5 (3.5). With e = Φ⁻¹(7.125/8.25) and f = Φ⁻¹(5.125/8.25) (so the lower two are −e, −f), the
// folded split chains are (e, −f), (f, −f), (−e, e), (−e, f).
// Every ESS: with n = 2 no autocorrelation pair can be taken (a pair needs 2k + 4 < n), so
// τ̂ = −1 + ρ̂_0 = 0, raised to 1/log10(S): ESS = S·log10(S) = 8·log10(8) for all three.
Real rhat_of_pairs(const std::vector<std::pair<Real, Real>>& chains) {
  Real W = 0, grand = 0, between = 0;
  for (const auto& [u, v] : chains) W += (u - v) * (u - v) / 2, grand += (u + v) / 2;
  W /= Real(chains.size());
  grand /= Real(chains.size());
  for (const auto& [u, v] : chains) between += ((u + v) / 2 - grand) * ((u + v) / 2 - grand);
  between /= Real(chains.size() - 1);
  return std::sqrt((W / 2 + between) / W);
}

TEST(Diagnostics, HandCheckedSmallCase) {
  Matrix x(4, 2);
  x << 1, 4, 3, 8, 2, 5, 6, 7;
  const Diagnostics d = diagnose(x);
  EXPECT_NEAR(d.mean, 4.5, 1e-15);
  EXPECT_NEAR(d.sd, std::sqrt(6.0), 1e-15);
  const auto z = [](Real v) { return normal_quantile((v - 0.375) / 8.25); };
  const Real a = z(8), b = z(7), c = z(6), dd = z(5);
  const Real bulk = rhat_of_pairs({{-a, -c}, {-b, c}, {-dd, a}, {dd, b}});
  const Real e = normal_quantile(7.125 / 8.25), f = normal_quantile(5.125 / 8.25);
  const Real folded = rhat_of_pairs({{e, -f}, {f, -f}, {-e, e}, {-e, f}});
  EXPECT_NEAR(d.rhat_bulk, bulk, 1e-14);
  EXPECT_NEAR(d.rhat_folded, folded, 1e-14);
  EXPECT_NEAR(d.rhat, std::max(bulk, folded), 1e-14);
  const Real ess = 8 * std::log10(8.0);
  EXPECT_NEAR(d.ess_bulk, ess, 1e-12);
  EXPECT_NEAR(d.ess_tail, ess, 1e-12);
  EXPECT_NEAR(d.ess_mean, ess, 1e-12);
  EXPECT_NEAR(d.mcse_mean, std::sqrt(6.0 / ess), 1e-14);
}

// The choices for undefined cases (the header): constant draws are perfectly mixed with every
// draw counted; constant chains that disagree are not mixed at all.
TEST(Diagnostics, ConstantDrawsAreMixedAndDisagreeingConstantChainsAreNot) {
  const Diagnostics zero = diagnose(Matrix::Zero(50, 4));  // a coefficient that never activates
  EXPECT_EQ(zero.rhat, 1.0);
  EXPECT_TRUE(std::isnan(zero.rhat_bulk) && std::isnan(zero.rhat_folded));
  EXPECT_EQ(zero.ess_bulk, 200.0);
  EXPECT_EQ(zero.ess_tail, 200.0);
  EXPECT_EQ(zero.ess_mean, 200.0);
  EXPECT_EQ(zero.mcse_mean, 0.0);
  EXPECT_EQ(zero.sd, 0.0);

  Matrix stuck = Matrix::Zero(10, 2);
  stuck.col(1).setConstant(0.1);  // 0.1 is inexact: the chain means must still count as constant
  EXPECT_EQ(diagnose(stuck).rhat, kInf);
  // A single different draw in the middle of an odd T is dropped by the split: still constant.
  Matrix middle = Matrix::Constant(9, 2, 3.0);
  middle(4, 0) = 5.0;
  EXPECT_EQ(diagnose(middle).rhat, 1.0);
  EXPECT_EQ(diagnose(middle).ess_bulk, 16.0);
}

// ---- (c) Statistical behaviour. Draws from Philox (seeds 1..100 per scenario); the tolerances
// come from the spreads measured over 2000 replicates with the reference implementation
// (tests/python/diagnostics_spread.py; M = 4 chains, T = 1000 draws unless said; S = 4000):
//
//   scenario          quantity           mean     sd       min      max
//   iid normal        rhat               1.00027  0.00053  0.99924  1.00308
//                     ess_bulk / S       0.98437  0.04463
//                     ess_tail / S       0.96191  0.04236
//   AR(1) φ = 0.5     ess_mean / (S/3)   1.00054  0.07797
//                     ess_bulk / (S/3)   1.00111  0.07807
//   AR(1) φ = 0.9     ess_mean / true    1.00513  0.13034   (T = 2000, true = S'(0.1/1.9), S' = 8000)
//     (T = 2000)      ess_bulk / true    1.00694  0.13033
//   means 0, .5, 1, 1.5  rhat            1.16445  0.00923  1.13548  1.20115
//   sds 1, 2, 3, 4    rhat_bulk          0.99996  0.00059  0.99904  1.00407
//                     rhat_folded        1.15026  0.00882  1.12193  1.18397
//   Bernoulli(0.3)    rhat               1.00002  0.00055  0.99905  1.00237
//                     ess_mean / S       0.98587  0.04421
//
// Averages over R = 100 replicates are checked against the measured mean within 4 sd/√R (an
// AR(1)'s ESS against its exact asymptotic value S(1 − φ)/(1 + φ), which the measured means
// match within 1.4 and 2.0 of their standard errors). Single replicates are checked only where
// the threshold lies ≥ 5 measured sd from the mean: i.i.d. chains never exceed R̂ = 1.01
// (13 sd), separated chains always exceed 1.1 (5.6 and 7.0 sd).

constexpr int kReplicates = 100;

Matrix philox_normals(std::uint64_t seed, Index T, Index M) {
  Matrix x(T, M);
  for (Index m = 0; m < M; ++m) Philox(seed).normals(Purpose::data, 0, std::uint64_t(m), x.col(m).data(), T);
  return x;
}

Matrix philox_uniforms(std::uint64_t seed, Index T, Index M) {
  Matrix x(T, M);
  for (Index m = 0; m < M; ++m) Philox(seed).uniforms(Purpose::data, 1, std::uint64_t(m), x.col(m).data(), T);
  return x;
}

Matrix ar1(std::uint64_t seed, Real phi, Index T, Index M) {
  Matrix x = philox_normals(seed, T, M);
  for (Index m = 0; m < M; ++m) {
    x(0, m) /= std::sqrt(1 - phi * phi);  // the stationary start
    for (Index t = 1; t < T; ++t) x(t, m) += phi * x(t - 1, m);
  }
  return x;
}

struct Average {
  Real sum = 0;
  int n = 0;
  void add(Real v) { sum += v, ++n; }
  Real mean() const { return sum / n; }
};

Real four_se(Real sd) { return 4 * sd / std::sqrt(Real(kReplicates)); }

TEST(DiagnosticsStatistics, IndependentNormalChainsLookMixed) {
  Average rhat, bulk, tail;
  for (int r = 1; r <= kReplicates; ++r) {
    const Diagnostics d = diagnose(philox_normals(std::uint64_t(r), 1000, 4));
    EXPECT_LT(d.rhat, 1.01) << r;
    rhat.add(d.rhat), bulk.add(d.ess_bulk / 4000), tail.add(d.ess_tail / 4000);
  }
  EXPECT_NEAR(rhat.mean(), 1.00027, four_se(0.00053));
  EXPECT_NEAR(bulk.mean(), 0.98437, four_se(0.04463));
  EXPECT_NEAR(tail.mean(), 0.96191, four_se(0.04236));
}

TEST(DiagnosticsStatistics, Ar1EssMatchesItsAsymptoticValue) {
  for (const auto& [phi, T, sd] : {std::tuple{0.5, Index(1000), 0.07807}, std::tuple{0.9, Index(2000), 0.13034}}) {
    const Real S = Real(4 * T), truth = S * (1 - phi) / (1 + phi);
    Average mean_ess, bulk_ess;
    for (int r = 1; r <= kReplicates; ++r) {
      const Diagnostics d = diagnose(ar1(std::uint64_t(1000 + r), phi, T, 4));
      mean_ess.add(d.ess_mean / truth), bulk_ess.add(d.ess_bulk / truth);
      EXPECT_NEAR(d.mcse_mean, d.sd / std::sqrt(d.ess_mean), 1e-15);
    }
    EXPECT_NEAR(mean_ess.mean(), 1.0, four_se(sd)) << phi;
    EXPECT_NEAR(bulk_ess.mean(), 1.0, four_se(sd)) << phi;
  }
}

TEST(DiagnosticsStatistics, ShiftedMeansGiveLargeRhat) {
  Average rhat;
  for (int r = 1; r <= kReplicates; ++r) {
    Matrix x = philox_normals(std::uint64_t(2000 + r), 1000, 4);
    for (Index m = 0; m < 4; ++m) x.col(m).array() += 0.5 * Real(m);
    const Diagnostics d = diagnose(x);
    EXPECT_GT(d.rhat, 1.1) << r;
    rhat.add(d.rhat);
  }
  EXPECT_NEAR(rhat.mean(), 1.16445, four_se(0.00923));
}

// Same mean, different scales: the ranks of the unfolded draws cannot see it (bulk R̂ ≈ 1), the
// folded draws do (Vehtari et al. 2021, §4).
TEST(DiagnosticsStatistics, DifferentScalesAreCaughtOnlyByFolding) {
  Average bulk, folded;
  for (int r = 1; r <= kReplicates; ++r) {
    Matrix x = philox_normals(std::uint64_t(3000 + r), 1000, 4);
    for (Index m = 0; m < 4; ++m) x.col(m) *= 1.0 + Real(m);
    const Diagnostics d = diagnose(x);
    EXPECT_LT(d.rhat_bulk, 1.01) << r;
    EXPECT_GT(d.rhat_folded, 1.1) << r;
    EXPECT_EQ(d.rhat, d.rhat_folded);
    bulk.add(d.rhat_bulk), folded.add(d.rhat_folded);
  }
  EXPECT_NEAR(bulk.mean(), 0.99996, four_se(0.00059));
  EXPECT_NEAR(folded.mean(), 1.15026, four_se(0.00882));
}

// For independent draws of any continuous distribution the ranks are a uniformly random
// permutation, so rank-normalized R̂ has the same distribution for Cauchy draws as for normal
// ones: the i.i.d. normal numbers apply.
TEST(DiagnosticsStatistics, HeavyTailsKeepRhatNearOne) {
  Average rhat;
  for (int r = 1; r <= kReplicates; ++r) {
    const Matrix x = philox_normals(std::uint64_t(4000 + r), 1000, 4).array() /
                     philox_normals(std::uint64_t(5000 + r), 1000, 4).array();
    const Diagnostics d = diagnose(x);
    EXPECT_LT(d.rhat, 1.01) << r;
    rhat.add(d.rhat);
  }
  EXPECT_NEAR(rhat.mean(), 1.00027, four_se(0.00053));
}

// ---- (d) Exact invariances.

// Ranks do not change under a strictly increasing map, nor does which draws lie below an
// interpolated quantile: bulk R̂ and bulk- and tail-ESS are those of the normal draws, bit for
// bit, after mapping them to Cauchy draws by the Cauchy quantile of Φ(z).
TEST(DiagnosticsInvariance, IncreasingTransformKeepsRankDiagnostics) {
  const Matrix z = philox_normals(77, 301, 3);
  const Matrix cauchy = z.unaryExpr([](Real v) {
    return std::tan(std::numbers::pi * (0.5 * std::erfc(-v / std::numbers::sqrt2) - 0.5));
  });
  const Diagnostics a = diagnose(z), b = diagnose(cauchy);
  EXPECT_EQ(a.rhat_bulk, b.rhat_bulk);
  EXPECT_EQ(a.ess_bulk, b.ess_bulk);
  EXPECT_EQ(a.ess_tail, b.ess_tail);
  EXPECT_NE(a.ess_mean, b.ess_mean);  // the raw-scale ESS does change
}

// 0/1 draws (the indicator of s ≠ 0): rank-normalizing two values is an affine map, and with
// fewer than half ones the median is 0 and folding leaves them unchanged, so both R̂ terms are the
// plain split-R̂ of the draws and bulk-ESS is the ESS of the mean. Independent draws look mixed.
TEST(DiagnosticsInvariance, IndicatorDraws) {
  Average ess;
  for (int r = 1; r <= kReplicates; ++r) {
    const Matrix x = (philox_uniforms(std::uint64_t(6000 + r), 1000, 4).array() < 0.3).cast<Real>();
    const Diagnostics d = diagnose(x);
    EXPECT_NEAR(d.rhat_bulk, d.rhat_folded, 1e-12) << r;
    EXPECT_NEAR(d.ess_bulk, d.ess_mean, 1e-9 * d.ess_mean) << r;
    EXPECT_LT(d.rhat, 1.01) << r;
    EXPECT_NEAR(d.mcse_mean, d.sd / std::sqrt(d.ess_mean), 1e-15);
    ess.add(d.ess_mean / 4000);
  }
  EXPECT_NEAR(ess.mean(), 0.98587, four_se(0.04421));
  // Half ones exactly: folded around the median ½ every draw is ½, so only the bulk term is
  // defined and R̂ is that term, as ArviZ's max(bulk, nan).
  Matrix half(8, 2);
  half << 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1;
  const Diagnostics d = diagnose(half);
  EXPECT_TRUE(std::isnan(d.rhat_folded));
  EXPECT_EQ(d.rhat, d.rhat_bulk);
  EXPECT_LT(d.rhat, 1.0);  // 1 would have been the answer had NaN counted as "no disagreement"
}

// ---- (e) The batched layout, for any thread count.

TEST(DiagnosticsBatch, MatchesOneAtATimeForAnyThreadCount) {
  const Index M = 3, T = 41, Q = 6;
  std::vector<Matrix> quantity;
  quantity.push_back(philox_normals(1, T, M));
  quantity.push_back(ar1(2, 0.8, T, M));
  quantity.push_back((philox_uniforms(3, T, M).array() < 0.1).cast<Real>());
  quantity.push_back(Matrix::Zero(T, M));
  quantity.push_back(philox_normals(4, T, M).array() + 2.0);
  quantity.push_back(reference_draws("levels", 3.0, 5, M, T));
  std::vector<Real> draws(std::size_t(M * T * Q));
  for (Index m = 0; m < M; ++m)
    for (Index t = 0; t < T; ++t)
      for (Index q = 0; q < Q; ++q) draws[std::size_t((m * T + t) * Q + q)] = quantity[std::size_t(q)](t, m);
  set_threads(1);
  const std::vector<Diagnostics> one = diagnose_all(draws.data(), T, M, Q);
  set_threads(2);
  const std::vector<Diagnostics> two = diagnose_all(draws.data(), T, M, Q);
  const std::vector<Real> bulk = ess_bulk_all(draws.data(), T, M, Q);
  set_threads(0);
  ASSERT_EQ(one.size(), std::size_t(Q));
  ASSERT_EQ(bulk.size(), std::size_t(Q));
  for (Index q = 0; q < Q; ++q) {
    const std::vector<Real> a = fields(one[std::size_t(q)]), b = fields(two[std::size_t(q)]),
                            c = fields(diagnose(quantity[std::size_t(q)]));
    for (std::size_t f = 0; f < a.size(); ++f) {
      EXPECT_TRUE(same(a[f], b[f])) << q << " " << f;
      EXPECT_TRUE(same(a[f], c[f])) << q << " " << f;
    }
    EXPECT_TRUE(same(bulk[std::size_t(q)], one[std::size_t(q)].ess_bulk)) << q;
  }
}

// ---- (f) Summary, warning, errors.

Diagnostics with(Real rhat, Real bulk, Real tail) {
  Diagnostics d;
  d.rhat = rhat, d.ess_bulk = bulk, d.ess_tail = tail;
  return d;
}

TEST(DiagnosticsSummary, CountsAndNamesTheWorst) {
  // 2 chains: the ESS limit is 200.
  const std::vector<Diagnostics> d = {with(1.001, 900, 800), with(1.08, 150, 700), with(1.02, 900, 199),
                                      with(1.0, 900, 800),   with(1.05, 50, 800),  with(1.02, 900, 800),
                                      with(1.012, 900, 800)};
  const ConvergenceSummary s = summarize(d, 2);
  EXPECT_EQ(s.quantities, 7);
  EXPECT_EQ(s.worst_rhat, 1.08);
  EXPECT_EQ(s.worst_rhat_at, 1);
  EXPECT_EQ(s.min_ess_bulk, 50);
  EXPECT_EQ(s.min_ess_bulk_at, 4);
  EXPECT_EQ(s.min_ess_tail_at, 2);
  ASSERT_EQ(s.rhat_high.size(), 5u);
  EXPECT_EQ(s.rhat_high[0].at, 1);
  EXPECT_EQ(s.rhat_high[1].at, 4);
  EXPECT_EQ(s.rhat_high[2].at, 2);  // ties (1.02 at 2 and 5) by index
  EXPECT_EQ(s.rhat_high[3].at, 5);
  EXPECT_FALSE(s.converged());
  EXPECT_EQ(convergence_warning(s),
            "R-hat above 1.01 for 5 of 7 coefficients (worst 1.080 at k = 1, 1.050 at k = 4, 1.020 at k = 2, ...), "
            "bulk-ESS below 200 (100 per chain) for 2 of 7 coefficients (smallest 50 at k = 4, 150 at k = 1) and "
            "tail-ESS below 200 (100 per chain) for 1 of 7 coefficients (smallest 199 at k = 2); run more --samples "
            "or a longer --burn-in.");
  EXPECT_EQ(convergence_warning(s, "quantities", [](Index q) { return "[" + std::to_string(q) + "]"; }, "sample longer")
                .substr(0, 60),
            "R-hat above 1.01 for 5 of 7 quantities (worst 1.080 at [1], ");

  const ConvergenceSummary good = summarize({with(1.0, 1000, 1000), with(1.009, 400, 400)}, 4);
  EXPECT_TRUE(good.converged());
  EXPECT_EQ(convergence_warning(good), "");
  // Only the ESS part, and NaN (never produced by diagnose) counts as failing.
  const ConvergenceSummary low = summarize({with(1.0, kNaN, 1000), with(kInf, 1000, 1000)}, 1);
  EXPECT_EQ(convergence_warning(low),
            "R-hat above 1.01 for 1 of 2 coefficients (worst inf at k = 1) and bulk-ESS below 100 (100 per chain) "
            "for 1 of 2 coefficients (smallest nan at k = 0); run more --samples or a longer --burn-in.");
}

TEST(DiagnosticsErrors, BadInputGivesOneSentence) {
  const auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([] { diagnose(Matrix::Zero(3, 4)); }),
            "diagnostics need at least 4 draws per chain (got 3); record more samples.");
  EXPECT_EQ(message([] { diagnose(Matrix::Zero(10, 0)); }),
            "diagnostics need at least one chain; pass draws with a chain axis of length 1 or more.");
  Matrix x = Matrix::Zero(10, 2);
  x(3, 1) = kNaN;
  EXPECT_EQ(message([&] { diagnose(x); }), "the draws contain NaN or infinite values; diagnose finite draws only.");
  std::vector<Real> draws(2 * 5 * 3, 0.0);
  draws[(1 * 5 + 2) * 3 + 1] = kInf;
  EXPECT_EQ(message([&] { diagnose_all(draws.data(), 5, 2, 3); }),
            "the draws contain NaN or infinity (chain 1, draw 2, quantity 1); diagnose finite draws only.");
  EXPECT_EQ(message([&] { diagnose_all(draws.data(), 5, 2, 0); }),
            "diagnostics need at least one quantity; pass draws of at least one quantity.");
}

}  // namespace
}  // namespace lsc
