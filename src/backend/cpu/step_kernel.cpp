// The fused CPU step (step_kernel.hpp; the design is in lsc/backend/step_engine.hpp).
//
// The batch is cut into chunks of kCpuChunk columns, a fixed width whatever the thread count.
// Each chunk's products go to single-threaded BLAS calls (or, for small shapes, libxsmm's JIT
// kernels: small_gemm.hpp) inside one OpenMP loop, and the chunk's
// elementwise work (dead-zone jumps, statistics, noise, eq. 3.9, MALA's accept/reject, s(u))
// runs right after them while G and R are still in cache; for Euler G never exists for the whole
// batch. The dictionary product R Sᵀ is then split by fixed groups of dictionary columns. Every
// number is thus computed by the same calls in the same order for any thread count (bit-identical
// results), and BLAS threads never compete with OpenMP threads (OpenBLAS runs single-threaded,
// core/parallel.cpp).
#include "step_kernel.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "lsc/backend/kinetic_update.hpp"
#include "lsc/backend/langevin_update.hpp"
#include "lsc/core/rng.hpp"
#include "small_gemm.hpp"

#if defined(EIGEN_WORLD_VERSION)
#error "step_kernel.cpp is compiled with -march=native and must not include Eigen (see the header)"
#endif

namespace lsc::detail {
namespace {

using Index = std::ptrdiff_t;
constexpr Index kMinWorkPerThread = 1'500'000;  // multiply-adds of the products, see step_impl

void gemm(bool ta, bool tb, Index m, Index n, Index k, float alpha, const float* a, Index lda,
          const float* b, Index ldb, float beta, float* c, Index ldc) {
  cblas_sgemm(CblasColMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}
void gemm(bool ta, bool tb, Index m, Index n, Index k, double alpha, const double* a, Index lda,
          const double* b, Index ldb, double beta, double* c, Index ldc) {
  cblas_dgemm(CblasColMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}

// R = A S − X and G = Aᵀ R for n columns: libxsmm's kernels when the step holds Aᵀ and the shape
// has them (small_gemm.hpp), else OpenBLAS.
template <class T>
void residual_and_gradient(const CpuStep<T>& s, Index n, const T* S, const T* X, T* R, T* G) {
  if (s.At) {
    const SmallKernel<T> AS = small_kernel<T>(s.D, n, s.K, s.D, s.K, s.D, true);
    const SmallKernel<T> AtR = small_kernel<T>(s.K, n, s.D, s.K, s.D, s.K, false);
    if (AS && AtR) {
      for (Index i = 0; i < n * s.D; ++i) R[i] = -X[i];
      AS(s.A, S, R);
      AtR(s.At, R, G);
      return;
    }
  }
  std::copy_n(X, n * s.D, R);
  gemm(false, false, s.D, n, s.K, T(1), s.A, s.D, S, s.K, T(-1), R, s.D);
  gemm(true, false, s.K, n, s.D, T(1), s.A, s.D, R, s.D, T(0), G, s.K);
}

// Per-thread buffers of one chunk (no allocation per step).
template <class T>
struct ChunkBuffers {
  std::vector<std::uint32_t> block, chain_lo, word3, w0, w1, w2, w3;
  std::vector<T> z0, z1, z2, z3;
  std::vector<T> Z;                                 // the normals, K×n
  std::vector<T> G, U_prop, S_prop, R_prop, G_prop;  // G for Euler; the rest for MALA
  std::vector<double> energy;
  void resize_noise(std::size_t q) {
    for (auto* v : {&block, &chain_lo, &word3, &w0, &w1, &w2, &w3}) v->resize(q);
    for (auto* v : {&z0, &z1, &z2, &z3}) v->resize(q);
  }
};

// The two stages of the generator over flat arrays. __restrict: the arrays never overlap, and
// without it the vectorizer gives up on the runtime checks of seven pointers.
void philox_pass(Index q_end, const std::uint32_t* __restrict block, const std::uint32_t* __restrict chain_lo,
                 std::uint32_t step_lo, const std::uint32_t* __restrict word3, noise::Key key,
                 std::uint32_t* __restrict w0, std::uint32_t* __restrict w1, std::uint32_t* __restrict w2,
                 std::uint32_t* __restrict w3) {
  for (Index q = 0; q < q_end; ++q) {
    const noise::Counter w = noise::philox({block[q], chain_lo[q], step_lo, word3[q]}, key);
    w0[q] = w.c0;
    w1[q] = w.c1;
    w2[q] = w.c2;
    w3[q] = w.c3;
  }
}

template <class T>
void box_muller_pass(Index q_end, const std::uint32_t* __restrict w0, const std::uint32_t* __restrict w1,
                     const std::uint32_t* __restrict w2, const std::uint32_t* __restrict w3, T* __restrict z0,
                     T* __restrict z1, T* __restrict z2, T* __restrict z3) {
  for (Index q = 0; q < q_end; ++q) {
    noise::box_muller(w0[q], w1[q], z0[q], z1[q]);
    noise::box_muller(w2[q], w3[q], z2[q], z3[q]);
  }
}

// The B = ⌈K/4⌉ Philox blocks of (purpose, step, chain[j]) for the n chains, block q of chain j
// into b.w0..w3[j·B + q]: counters first, then the generator in one flat loop over all blocks,
// so that the vector lanes are full even when K is small. Returns Q = n·B.
template <class T>
Index philox_blocks(std::uint32_t purpose, noise::Key key, std::uint64_t step, const std::uint64_t* chain, Index K,
                    Index n, ChunkBuffers<T>& b) {
  const Index B = (K + 3) / 4, Q = n * B;
  b.resize_noise(static_cast<std::size_t>(Q));
  const noise::Counter step_words = noise::counter_of(purpose, step, 0, 0);
  for (Index j = 0; j < n; ++j) {
    const noise::Counter c = noise::counter_of(purpose, step, chain[j], 0);
    for (Index q = 0; q < B; ++q) {
      b.block[j * B + q] = static_cast<std::uint32_t>(q);
      b.chain_lo[j * B + q] = c.c1;
      b.word3[j * B + q] = c.c3;
    }
  }
  philox_pass(Q, b.block.data(), b.chain_lo.data(), step_words.c2, b.word3.data(), key, b.w0.data(),
              b.w1.data(), b.w2.data(), b.w3.data());
  return Q;
}

// The normals of (purpose, step) of the n chains chain[0..n) with K coefficients each: the Philox
// blocks of all chains (philox_blocks), then Box-Muller in one flat loop over them; then
// f(j, k, z) is called for every coefficient, reading the normals in the layout of
// noise::noise_source.
template <class T, class F>
void for_each_normal(std::uint32_t purpose, noise::Key key, std::uint64_t step, const std::uint64_t* chain, Index K,
                     Index n, ChunkBuffers<T>& b, F&& f) {
  const Index B = (K + 3) / 4, Q = philox_blocks(purpose, key, step, chain, K, n, b);
  box_muller_pass(Q, b.w0.data(), b.w1.data(), b.w2.data(), b.w3.data(), b.z0.data(), b.z1.data(),
                  b.z2.data(), b.z3.data());
  const T* z[4] = {b.z0.data(), b.z1.data(), b.z2.data(), b.z3.data()};
  constexpr Index kGroup = 4 * noise::kGroupBlocks;
  for (Index j = 0; j < n; ++j) {
    for (Index k0 = 0; k0 < K; k0 += kGroup) {
      const Index m = std::min(kGroup, K - k0), lanes = (m + 3) / 4;
      for (int word = 0; word < 4; ++word) {
        const Index e0 = lanes * word, len = std::min(lanes, m - e0);
        const T* zw = z[word] + j * B + k0 / 4;
        for (Index q = 0; q < len; ++q) f(j, k0 + e0 + q, zw[q]);
      }
    }
  }
}

// The chunk's normals laid out like its coefficients (K×n), for the flat update loops.
template <class T>
T* normals(const CpuStep<T>& s, Index j0, Index n, ChunkBuffers<T>& b) {
  b.Z.resize(static_cast<std::size_t>(s.K * n));
  T* Z = b.Z.data();
  for_each_normal<T>(static_cast<std::uint32_t>(Purpose::langevin_noise), s.key, s.step, s.chain + j0, s.K, n, b,
                     [&](Index j, Index k, T z) { Z[j * s.K + k] = z; });
  return Z;
}

// One uniform in (0, 1) of (purpose, step, chain) for coefficient k (block k/4, word k%4).
template <class T>
double uniform_of(const CpuStep<T>& s, Purpose purpose, std::uint64_t chain, Index k) {
  const noise::Counter w = noise::philox(
      noise::counter_of(static_cast<std::uint32_t>(purpose), s.step, chain, static_cast<std::uint32_t>(k / 4)), s.key);
  const std::uint32_t words[4] = {w.c0, w.c1, w.c2, w.c3};
  return noise::uniform<double>(words[k % 4]);
}

// The dead-zone sweep of the n chains of a chunk (langevin_update.hpp), keeping S, R and G of
// the chunk consistent.
template <class T>
void jump_chunk(const CpuStep<T>& s, Index j0, Index n, T* R, T* G) {
  JumpSweep<T> j{s.D, s.K, s.A, s.gram, s.inv_var, s.lambda, s.u0, s.temperature, s.key, s.step};
  cpu_jump_sweep(j, s.chain + j0, n, s.U + j0 * s.K, s.S + j0 * s.K, R, G, nullptr, nullptr);
}

// Sums in double over kLanes partial sums, added in lane order at the end: one running sum is a
// chain of dependent additions (4 cycles each; ‖R‖² alone took a fifth of the bars' elementwise
// pass), partial sums vectorize; the order is fixed, so results do not depend on the thread count.
constexpr Index kLanes = 8;

template <class F>
double lane_sum(Index n, F&& term) {
  double acc[kLanes] = {};
  Index i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (Index l = 0; l < kLanes; ++l) acc[l] += term(i + l);
  for (Index l = 0; i + l < n; ++l) acc[l] += term(i + l);
  double total = 0;
  for (Index l = 0; l < kLanes; ++l) total += acc[l];
  return total;
}

// Two sums at once, in the order of lane_sum: term(i, a, b) adds its terms to a and b.
template <class F>
void lane_sums(Index n, double& sum_a, double& sum_b, F&& term) {
  double a[kLanes] = {}, b[kLanes] = {};
  Index i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (Index l = 0; l < kLanes; ++l) term(i + l, a[l], b[l]);
  for (Index l = 0; i + l < n; ++l) term(i + l, a[l], b[l]);
  sum_a = sum_b = 0;
  for (Index l = 0; l < kLanes; ++l) {
    sum_a += a[l];
    sum_b += b[l];
  }
}

template <class T, class Ops>
void chunk_stats(const CpuStep<T>& s, const Ops& ops, Index n, const T* __restrict S, const T* __restrict R,
                 const T* __restrict G, ChunkStats& out) {
  out.residual_sq = lane_sum(n * s.D, [&](Index i) { return double(R[i]) * double(R[i]); });
  const double inv_var = double(s.inv_var);
  const bool slab_only = s.prior == PriorKind::l0;
  // Masks as multiplications, not branches: the signs of s are random.
  out.active = lane_sum(n * s.K, [&](Index i) { return double(S[i] != T(0)); });
  out.drive_u0 = lane_sum(n * s.K, [&](Index i) { return double(S[i] > T(0)) * double(G[i]) * inv_var; });
  if (slab_only) {
    out.slab_count = lane_sum(n * s.K, [&](Index i) { return double(S[i] > T(0)); });
    out.slab_cost = lane_sum(n * s.K, [&](Index i) { return double(S[i] > T(0)) * double(ops.cost(S[i])); });
  } else {
    out.slab_count = double(n * s.K);
    out.slab_cost = lane_sum(n * s.K, [&](Index i) { return double(ops.cost(S[i])); });
  }
  out.accepted = 0;
}

// Energy of each of the n chains (eq. 2.5 in u): ‖R_j‖²/(2σ²) + Σ_k C(u_kj), in double.
template <class T, class Ops>
void energies(const CpuStep<T>& s, const Ops& ops, Index n, const T* U, const T* R, double* E) {
  for (Index j = 0; j < n; ++j) {
    const T* r = R + j * s.D;
    const T* u = U + j * s.K;
    const double sq = lane_sum(s.D, [&](Index d) { return double(r[d]) * double(r[d]); });
    const double c = lane_sum(s.K, [&](Index k) { return double(ops.cost(u[k])); });
    E[j] = 0.5 * sq * double(s.inv_var) + c;
  }
}

// Eq. 3.9 for m coefficients in one flat loop (vectorized: the normals are already in place).
template <class T, class Ops>
void euler_pass(const Ops& ops, Index m, T* __restrict U, const T* __restrict G, const T* __restrict Z,
                T* __restrict S_next, T inv_var, T eps, T noise_scale) {
  for (Index i = 0; i < m; ++i) {
    U[i] = euler_update(ops, U[i], G[i], inv_var, eps, noise_scale, Z[i]);
    S_next[i] = ops.s(U[i]);
  }
}

template <class T, class Ops>
std::uint64_t mala_chunk(const CpuStep<T>& s, const Ops& ops, Index j0, Index n, T* R, T* G, ChunkBuffers<T>& b) {
  const Index K = s.K, D = s.D;
  T* U = s.U + j0 * K;
  const T* S = s.S + j0 * K;
  T* S_next = s.S_next + j0 * K;
  b.U_prop.resize(static_cast<std::size_t>(K * n));
  b.S_prop.resize(static_cast<std::size_t>(K * n));
  b.R_prop.resize(static_cast<std::size_t>(D * n));
  b.G_prop.resize(static_cast<std::size_t>(K * n));
  b.energy.resize(static_cast<std::size_t>(2 * n));
  T *Up = b.U_prop.data(), *Sp = b.S_prop.data(), *Rp = b.R_prop.data(), *Gp = b.G_prop.data();
  std::copy_n(U, K * n, Up);
  T* Z = normals(s, j0, n, b);
  euler_pass(ops, K * n, Up, G, Z, Sp, s.inv_var, s.eps, s.noise_scale);
  residual_and_gradient(s, n, Sp, s.X + j0 * D, Rp, Gp);
  double* E = b.energy.data();
  double* E_prop = E + n;
  energies(s, ops, n, U, R, E);
  energies(s, ops, n, Up, Rp, E_prop);
  std::uint64_t accepted = 0;
  for (Index j = 0; j < n; ++j) {
    const T *u = U + j * K, *up = Up + j * K, *g = G + j * K, *gp = Gp + j * K;
    double back = 0, forth = 0;
    lane_sums(K, back, forth, [&](Index k, double& b, double& f) {
      mala_terms(u[k], up[k], grad_u(ops, u[k], g[k], s.inv_var), grad_u(ops, up[k], gp[k], s.inv_var), s.eps, b, f);
    });
    const double T_ = double(s.temperature);
    const double log_alpha = -(E_prop[j] - E[j]) / T_ - (back - forth) / (4 * T_ * double(s.eps));
    const bool accept = std::log(uniform_of(s, Purpose::metropolis, s.chain[j0 + j], 0)) < log_alpha;
    if (accept) {
      ++accepted;
      std::copy_n(Up + j * K, K, U + j * K);
      std::copy_n(Sp + j * K, K, S_next + j * K);
      if (s.keep_cache) {
        std::copy_n(Rp + j * D, D, R + j * D);
        std::copy_n(Gp + j * K, K, G + j * K);
      }
    } else {
      std::copy_n(S + j * K, K, S_next + j * K);
    }
  }
  return accepted;
}

// −rate · Sᵀ of the chunk's n chains from j0, dictionary columns [k0, k0 + m): the right operand
// of A += R (−rate Sᵀ) in libxsmm's form (no transposes, α = 1).
template <class T>
const T* scaled_transpose(const CpuStep<T>& s, Index j0, Index n, Index k0, Index m) {
  thread_local std::vector<T> St;
  St.resize(static_cast<std::size_t>(n * m));
  for (Index j = 0; j < n; ++j)
    for (Index k = 0; k < m; ++k) St[k * n + j] = -s.rate * s.S[(j0 + j) * s.K + k0 + k];
  return St.data();
}

// A ← A − rate · R Sᵀ for the dictionary columns [k0, k0 + m), with the S of the step's start,
// folded chunk by chunk in chunk order: A ← A − rate R_c S_cᵀ for c = 0, 1, ... (one
// multiply-add per chunk, β = 1). That order is the step's definition of the sum over chains: a
// batch split among ranks at chunk boundaries folds its chunks into the partial A that the
// previous rank passes on, and gets the same bits as one process (step_engine.hpp, "Ranks").
template <class T>
void fold_dictionary_columns(const CpuStep<T>& s, Index k0, Index m, bool small) {
  const Index chunks = cpu_chunks(s.N);
  for (Index c = 0; c < chunks; ++c) {
    const Index j0 = c * kCpuChunk, n = std::min(kCpuChunk, s.N - j0);
    const SmallKernel<T> RSt = small ? small_kernel<T>(s.D, m, n, s.D, n, s.D, true) : SmallKernel<T>{};
    if (RSt)
      RSt(s.R + j0 * s.D, scaled_transpose(s, j0, n, k0, m), s.A + k0 * s.D);
    else
      gemm(false, true, s.D, m, n, -s.rate, s.R + j0 * s.D, s.D, s.S + j0 * s.K + k0, s.K, T(1), s.A + k0 * s.D, s.D);
  }
}

// Whether the step's products go to the small kernels: decided on the shape of a whole chunk, not
// on N, so that a rank holding part of a batch decides as one process does.
template <class T>
bool small_products(const CpuStep<T>& s) {
  return bool(small_kernel<T>(s.D, kCpuChunk, s.K, s.D, s.K, s.D, true));
}

// The small products need Aᵀ (small_gemm.hpp): D·K copies per step, where they pay; null where
// the products stay on OpenBLAS.
template <class T>
const T* transposed_dictionary(const CpuStep<T>& s) {
  if (!small_products(s)) return nullptr;
  thread_local std::vector<T> At;
  At.resize(static_cast<std::size_t>(s.D * s.K));
  for (Index d = 0; d < s.D; ++d)
    for (Index k = 0; k < s.K; ++k) At[d * s.K + k] = s.A[k * s.D + d];
  return At.data();
}

template <class T, bool kFused>
void step_impl(const CpuStep<T>& given) {
  CpuStep<T> s = given;
  s.At = transposed_dictionary(s);
  const Index chunks = cpu_chunks(s.N), dict_chunks = (s.K + kCpuDictChunk - 1) / kCpuDictChunk;
  // A thread only where it has enough work: forking and joining a team costs several µs on a VM,
  // which made 2 threads slower than 1 on the bars (D 64, K 16, N 200: 33 900 against 44 300
  // steps/s); from about 1.5 million multiply-adds per thread the second one pays (D 64, K 64,
  // N 256: 1.24×). The chunks are fixed, so the result is the same for any team.
  const Index work = 3 * s.D * s.K * s.N;
  const Index useful = std::max<Index>(1, work / kMinWorkPerThread);
  const int nt = static_cast<int>(std::min<Index>({Index(s.threads), std::max(chunks, dict_chunks), useful}));
  visit_ops<T>(s.prior, s.lambda, s.u0, [&](const auto& ops) {
    // The work of one thread; its `omp for` loops share the chunks among the team, or run them
    // all when called outside a parallel region.
    const auto body = [&] {
      thread_local ChunkBuffers<T> b;
#pragma omp for schedule(static)
      for (Index c = 0; c < chunks; ++c) {
        const Index j0 = c * kCpuChunk, n = std::min(kCpuChunk, s.N - j0);
        T* R = s.R + j0 * s.D;
        T* S = s.S + j0 * s.K;
        T* G;
        if (s.G) {
          G = s.G + j0 * s.K;
        } else {
          b.G.resize(static_cast<std::size_t>(s.K * kCpuChunk));
          G = b.G.data();
        }
        if (s.recompute_s) {
          const T* U = s.U + j0 * s.K;
          for (Index i = 0; i < n * s.K; ++i) S[i] = ops.s(U[i]);
        }
        if (!kFused || !s.cached) residual_and_gradient(s, n, S, s.X + j0 * s.D, R, G);
        if constexpr (kFused) {
          if (s.jumps) jump_chunk(s, j0, n, R, G);
          ChunkStats& st = s.chunk_stats[c];
          chunk_stats(s, ops, n, S, R, G, st);
          T* U = s.U + j0 * s.K;
          T* S_next = s.S_next + j0 * s.K;
          switch (s.sampler) {
            case CpuSampler::euler:
              euler_pass(ops, n * s.K, U, G, normals(s, j0, n, b), S_next, s.inv_var, s.eps, s.noise_scale);
              st.accepted = static_cast<std::uint64_t>(n);
              break;
            case CpuSampler::gradient_flow:
              for (Index i = 0; i < n * s.K; ++i) {
                U[i] = gradient_flow_update(ops, U[i], G[i], s.inv_var, s.eps);
                S_next[i] = ops.s(U[i]);
              }
              st.accepted = static_cast<std::uint64_t>(n);
              break;
            case CpuSampler::mala:
              st.accepted = mala_chunk(s, ops, j0, n, R, G, b);
              break;
          }
          if (s.sum_s) {
            double* sum = s.sum_s + j0 * s.K;
            double* on = s.sum_active + j0 * s.K;
            for (Index i = 0; i < n * s.K; ++i) {
              sum[i] += double(S_next[i]);
              on[i] += S_next[i] != T(0);
            }
          }
        }
      }
      if (s.rate != T(0)) {
        // By fixed groups of dictionary columns, each folded over the chunks.
#pragma omp for schedule(static)
        for (Index q = 0; q < dict_chunks; ++q) {
          const Index k0 = q * kCpuDictChunk;
          fold_dictionary_columns(s, k0, std::min(kCpuDictChunk, s.K - k0), s.At != nullptr);
        }
      }
    };
    // One thread: no parallel region at all (GOMP_parallel and its barriers were 10 % of a
    // bars-size step even with a team of one).
    if (nt > 1) {
#pragma omp parallel num_threads(nt)
      body();
    } else {
      body();
    }
  });
}

}  // namespace

template <class T>
void cpu_fused_step(const CpuStep<T>& s) {
  step_impl<T, true>(s);
}

template <class T>
void cpu_products_only(const CpuStep<T>& s) {
  step_impl<T, false>(s);
}

template <class T>
void cpu_fold_dictionary(const CpuStep<T>& s, Index k0, Index m) {
  fold_dictionary_columns(s, k0, m, small_products(s));
}

template <class T>
void cpu_gram(Index D, Index K, const T* A, T* gram) {
  gemm(true, false, K, K, D, T(1), A, D, A, D, T(0), gram, K);
}

template <class T>
void cpu_normals(std::uint32_t purpose, noise::Key key, std::uint64_t step, const std::uint64_t* chain, Index n,
                 Index K, T* Z) {
  thread_local ChunkBuffers<T> b;
  for_each_normal<T>(purpose, key, step, chain, K, n, b, [&](Index j, Index k, T z) { Z[j * K + k] = z; });
}

// y += a x for the short vectors (D, K) of one accepted jump, inlined: a BLAS call per vector cost
// more than its arithmetic (euler+jumps 16 % faster without it; docs/benchmarks.md, "Samplers").
template <class T>
inline void add_scaled(Index n, T a, const T* __restrict x, T* __restrict y) {
  for (Index i = 0; i < n; ++i) y[i] += a * x[i];
}

template <class T>
void cpu_jump_sweep(const JumpSweep<T>& j, const std::uint64_t* chain, Index n, T* U, T* S, T* R, T* G, double* dcost,
                    double* drsq) {
  // The uniforms of (Purpose::dead_zone_jump, step, chain), coefficient k from word k % 4 of block
  // k / 4, and their logs, for all coefficients of the chunk in flat loops that vectorize.
  thread_local ChunkBuffers<T> b;
  thread_local std::vector<double> log_u;
  const Index B = (j.K + 3) / 4;
  const Index Q = philox_blocks(static_cast<std::uint32_t>(Purpose::dead_zone_jump), j.key, j.step, chain, j.K, n, b);
  log_u.resize(static_cast<std::size_t>(4 * Q));
  double* __restrict lu = log_u.data();
  const std::uint32_t* __restrict w[4] = {b.w0.data(), b.w1.data(), b.w2.data(), b.w3.data()};
  for (int word = 0; word < 4; ++word)
    for (Index q = 0; q < Q; ++q) lu[4 * q + word] = noise::log(noise::uniform<double>(w[word][q]));
  for (Index c = 0; c < n; ++c) {
    T* u = U + c * j.K;
    T* s = S + c * j.K;
    T* g = G + c * j.K;
    T* r = R + c * j.D;
    const double* l = lu + c * 4 * B;
    double cost = 0, rsq = 0;
    for (Index k = 0; k < j.K; ++k) {
      if (!(std::abs(u[k]) < T(2) * j.u0)) continue;
      const T a = std::abs(u[k]);
      const T norm_sq = j.gram[k * j.K + k];
      double dE;
      T ds;
      if (!dead_zone_jump(u[k], s[k], g[k], norm_sq, j.inv_var, j.lambda, j.u0, j.temperature, l[k], dE, ds)) continue;
      cost += double(j.lambda) * (double(std::abs(u[k])) - double(a));
      if (ds != T(0)) {
        rsq += 2 * double(ds) * double(g[k]) + double(ds) * double(ds) * double(norm_sq);
        add_scaled(j.D, ds, j.A + k * j.D, r);
        add_scaled(j.K, ds, j.gram + k * j.K, g);
      }
    }
    if (dcost) dcost[c] += cost;
    if (drsq) drsq[c] += rsq;
  }
}

template void cpu_jump_sweep<float>(const JumpSweep<float>&, const std::uint64_t*, Index, float*, float*, float*,
                                    float*, double*, double*);
template void cpu_jump_sweep<double>(const JumpSweep<double>&, const std::uint64_t*, Index, double*, double*, double*,
                                     double*, double*, double*);

// ---- the kinetic samplers' passes over one chain (kinetic_engine.cpp): two flat loops each, the
// update and then the sum in lanes, so that both vectorize.

template <class T>
double cpu_kick_drift(const KineticColumn<T>& c, T* __restrict u, T* __restrict p, T* __restrict s,
                      const T* __restrict g, T tau_kick, T tau_drift) {
  const T* __restrict inv_m = c.inv_mass;
  return visit_ops<T>(c.prior, c.lambda, c.u0, [&](const auto& ops) {
    for (Index k = 0; k < c.K; ++k) {
      p[k] = kick(ops, p[k], u[k], g[k], c.inv_var, tau_kick);
      u[k] = drift(u[k], p[k], inv_m[k], tau_drift);
      s[k] = ops.s(u[k]);
    }
    return lane_sum(c.K, [&](Index k) { return double(ops.cost(u[k])); });
  });
}

template <class T>
double cpu_drift(const KineticColumn<T>& c, T* __restrict u, const T* __restrict p, T* __restrict s, T tau) {
  const T* __restrict inv_m = c.inv_mass;
  return visit_ops<T>(c.prior, c.lambda, c.u0, [&](const auto& ops) {
    for (Index k = 0; k < c.K; ++k) {
      u[k] = drift(u[k], p[k], inv_m[k], tau);
      s[k] = ops.s(u[k]);
    }
    return lane_sum(c.K, [&](Index k) { return double(ops.cost(u[k])); });
  });
}

template <class T>
double cpu_kick(const KineticColumn<T>& c, T* __restrict p, const T* __restrict u, const T* __restrict g, T tau) {
  visit_ops<T>(c.prior, c.lambda, c.u0, [&](const auto& ops) {
    for (Index k = 0; k < c.K; ++k) p[k] = kick(ops, p[k], u[k], g[k], c.inv_var, tau);
  });
  return kinetic_energy(c, p);
}

template <class T>
double cpu_refresh(const KineticColumn<T>& c, T* __restrict p, const T* __restrict z, T eta, T sd) {
  const T* __restrict sqrt_m = c.sqrt_mass;
  for (Index k = 0; k < c.K; ++k) p[k] = refresh(p[k], eta, sd * sqrt_m[k], z[k]);
  return kinetic_energy(c, p);
}

template <class T>
double kinetic_energy(const KineticColumn<T>& c, const T* __restrict p) {
  const T* __restrict inv_m = c.inv_mass;
  return 0.5 * lane_sum(c.K, [&](Index k) { return double(p[k]) * double(p[k]) * double(inv_m[k]); });
}

template <class T>
ChunkStats cpu_chunk_stats(const KineticColumn<T>& c, Index D, Index n, const T* S, const T* R, const T* G) {
  CpuStep<T> s;
  s.D = D;
  s.K = c.K;
  s.prior = c.prior;
  s.inv_var = c.inv_var;
  ChunkStats out;
  visit_ops<T>(c.prior, c.lambda, c.u0, [&](const auto& ops) { chunk_stats(s, ops, n, S, R, G, out); });
  return out;
}

#define LSC_KINETIC_INSTANCES(T)                                                                              \
  template double cpu_kick_drift<T>(const KineticColumn<T>&, T*, T*, T*, const T*, T, T);                    \
  template double cpu_drift<T>(const KineticColumn<T>&, T*, const T*, T*, T);                                \
  template double cpu_kick<T>(const KineticColumn<T>&, T*, const T*, const T*, T);                           \
  template double cpu_refresh<T>(const KineticColumn<T>&, T*, const T*, T, T);                               \
  template double kinetic_energy<T>(const KineticColumn<T>&, const T*);                                      \
  template ChunkStats cpu_chunk_stats<T>(const KineticColumn<T>&, Index, Index, const T*, const T*, const T*);
LSC_KINETIC_INSTANCES(float)
LSC_KINETIC_INSTANCES(double)
#undef LSC_KINETIC_INSTANCES

template void cpu_fused_step<float>(const CpuStep<float>&);
template void cpu_fused_step<double>(const CpuStep<double>&);
template void cpu_products_only<float>(const CpuStep<float>&);
template void cpu_products_only<double>(const CpuStep<double>&);
template void cpu_fold_dictionary<float>(const CpuStep<float>&, Index, Index);
template void cpu_fold_dictionary<double>(const CpuStep<double>&, Index, Index);
template void cpu_gram<float>(Index, Index, const float*, float*);
template void cpu_gram<double>(Index, Index, const double*, double*);
template void cpu_normals<float>(std::uint32_t, noise::Key, std::uint64_t, const std::uint64_t*, Index, Index, float*);
template void cpu_normals<double>(std::uint32_t, noise::Key, std::uint64_t, const std::uint64_t*, Index, Index, double*);

}  // namespace lsc::detail
