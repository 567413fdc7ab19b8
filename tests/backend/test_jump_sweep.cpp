// The CPU dead-zone sweep (backend/cpu/step_kernel.hpp) draws the test's uniforms for all
// coefficients of a chunk in vector loops and keeps R = A S − X and G = AᵀR of its chains
// consistent with its own updates. Checked against the sweep as its definition reads
// (langevin_update.hpp): coefficient after coefficient, each tested with the g left by the jumps
// before it and the uniform keyed by (seed, step, chain, coefficient), on states where many jumps
// are accepted, in float32 and float64. The statistical checks of the jumps (quadrature,
// activation) are in tests/sampler/test_langevin_exact.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../../src/backend/cpu/step_kernel.hpp"
#include "lsc/backend/langevin_update.hpp"
#include "lsc/core/noise.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/core/types.hpp"

namespace lsc {
namespace {

template <class T>
struct SweepState {
  Index D, K, n;
  std::vector<T> A, gram, U, S, R, G;
};

// Random A (D×K), u spread over [−3u0, 3u0] so that every case of the involution occurs, and R, G
// consistent with them.
template <class T>
SweepState<T> random_state(Index D, Index K, Index n, T u0, std::uint64_t seed) {
  SweepState<T> st{D, K, n, {}, {}, {}, {}, {}, {}};
  const Philox rng(seed);
  std::vector<double> a(static_cast<std::size_t>(D * K)), x(static_cast<std::size_t>(D * n)),
      v(static_cast<std::size_t>(K * n));
  rng.normals(Purpose::dictionary, 0, 0, a.data(), D * K);
  rng.normals(Purpose::data, 0, 0, x.data(), D * n);
  rng.uniforms(Purpose::initial_state, 0, 0, v.data(), K * n);
  st.A.assign(a.begin(), a.end());
  for (T& e : st.A) e *= T(0.4);
  st.gram.assign(static_cast<std::size_t>(K * K), T(0));
  for (Index i = 0; i < K; ++i)
    for (Index j = 0; j < K; ++j)
      for (Index d = 0; d < D; ++d) st.gram[i * K + j] += st.A[i * D + d] * st.A[j * D + d];
  st.U.resize(v.size());
  st.S.resize(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    st.U[i] = T(6 * v[i] - 3) * u0;
    st.S[i] = std::max(std::abs(st.U[i]) - u0, T(0));
  }
  st.R.assign(static_cast<std::size_t>(D * n), T(0));
  st.G.assign(static_cast<std::size_t>(K * n), T(0));
  for (Index c = 0; c < n; ++c) {
    for (Index d = 0; d < D; ++d) {
      T r = -T(x[static_cast<std::size_t>(c * D + d)]);
      for (Index k = 0; k < K; ++k) r += st.A[k * D + d] * st.S[c * K + k];
      st.R[c * D + d] = r;
    }
    for (Index k = 0; k < K; ++k)
      for (Index d = 0; d < D; ++d) st.G[c * K + k] += st.A[k * D + d] * st.R[c * D + d];
  }
  return st;
}

// The sweep as its definition reads: coefficient after coefficient, each tested with the g left
// by the jumps before it, with the uniforms keyed as step_kernel.hpp documents.
template <class T>
std::vector<double> one_by_one(const detail::JumpSweep<T>& j, const std::vector<std::uint64_t>& chain,
                               SweepState<T>& st) {
  std::vector<double> cost(static_cast<std::size_t>(st.n), 0.0);
  for (Index c = 0; c < st.n; ++c) {
    T* u = st.U.data() + c * st.K;
    T* s = st.S.data() + c * st.K;
    T* g = st.G.data() + c * st.K;
    T* r = st.R.data() + c * st.D;
    for (Index k = 0; k < st.K; ++k) {
      const noise::Counter w = noise::philox(
          noise::counter_of(static_cast<std::uint32_t>(Purpose::dead_zone_jump), j.step, chain[std::size_t(c)],
                            static_cast<std::uint32_t>(k / 4)),
          j.key);
      const std::uint32_t words[4] = {w.c0, w.c1, w.c2, w.c3};
      const double log_u = noise::log(noise::uniform<double>(words[k % 4]));
      const double a = std::abs(double(u[k]));
      double dE;
      T ds;
      if (!dead_zone_jump(u[k], s[k], g[k], st.gram[k * st.K + k], j.inv_var, j.lambda, j.u0, j.temperature, log_u,
                          dE, ds))
        continue;
      cost[std::size_t(c)] += double(j.lambda) * (std::abs(double(u[k])) - a);
      for (Index d = 0; d < st.D; ++d) r[d] += ds * st.A[k * st.D + d];
      for (Index i = 0; i < st.K; ++i) g[i] += ds * st.gram[k * st.K + i];
    }
  }
  return cost;
}

template <class T>
class JumpSweepTest : public ::testing::Test {};
using Reals = ::testing::Types<float, double>;
TYPED_TEST_SUITE(JumpSweepTest, Reals);

TYPED_TEST(JumpSweepTest, MatchesTheOneByOneSweep) {
  using T = TypeParam;
  const T u0 = T(0.8);
  for (const Index K : {Index(5), Index(37), Index(64), Index(200)}) {
    const Index D = 12, n = 6;
    const SweepState<T> start = random_state<T>(D, K, n, u0, 17 + std::uint64_t(K));
    SweepState<T> fast = start, slow = start;
    const detail::JumpSweep<T> j{D, K, fast.A.data(), fast.gram.data(), T(1) / T(0.25), T(1), u0, T(1),
                                 noise::key_of(99), 7};
    std::vector<std::uint64_t> chain(static_cast<std::size_t>(n));
    for (Index c = 0; c < n; ++c) chain[std::size_t(c)] = std::uint64_t(3 * c + 1);
    std::vector<double> cost(static_cast<std::size_t>(n), 0.0), rsq(static_cast<std::size_t>(n), 0.0);
    detail::cpu_jump_sweep(j, chain.data(), n, fast.U.data(), fast.S.data(), fast.R.data(), fast.G.data(), cost.data(),
                           rsq.data());
    const std::vector<double> cost_ref = one_by_one(j, chain, slow);

    // Every decision the same: u and s equal; the jumps taken moved a good share of the
    // coefficients (otherwise this test would prove little).
    Index jumped = 0;
    for (std::size_t i = 0; i < fast.U.size(); ++i) {
      ASSERT_EQ(fast.U[i], slow.U[i]) << "K " << K << ", entry " << i;
      ASSERT_EQ(fast.S[i], slow.S[i]) << "K " << K << ", entry " << i;
      jumped += fast.U[i] != start.U[i];
    }
    EXPECT_GT(jumped, K * n / 10) << "K " << K;
    // R and G follow by the same updates (rounded in another order where the compiler fuses).
    const T tol = std::is_same_v<T, float> ? T(1e-4) : T(1e-11);
    for (std::size_t i = 0; i < fast.R.size(); ++i) EXPECT_NEAR(fast.R[i], slow.R[i], tol);
    for (std::size_t i = 0; i < fast.G.size(); ++i) EXPECT_NEAR(fast.G[i], slow.G[i], tol);
    for (Index c = 0; c < n; ++c) {
      EXPECT_NEAR(cost[std::size_t(c)], cost_ref[std::size_t(c)], 1e-9);
      // The reported change of ‖R‖² is the change of the residual it left.
      double before = 0, after = 0;
      for (Index d = 0; d < D; ++d) {
        before += double(start.R[c * D + d]) * double(start.R[c * D + d]);
        after += double(fast.R[c * D + d]) * double(fast.R[c * D + d]);
      }
      EXPECT_NEAR(rsq[std::size_t(c)], after - before, 1e3 * double(tol) * (1 + after)) << "K " << K << ", chain " << c;
    }
  }
}

}  // namespace
}  // namespace lsc
