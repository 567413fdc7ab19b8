// The fused CPU step (cpu_step_kernel.hpp; the design is in step_engine.hpp).
//
// The batch is cut into chunks of kCpuChunk columns, a fixed width whatever the thread count.
// Each chunk's two products go to single-threaded BLAS calls inside one OpenMP loop, and the
// chunk's elementwise work (noise, eq. 3.9, s(u), the statistics) runs right after them while
// G and R are still in cache; G never exists for the whole batch. The dictionary product R Sᵀ
// is then split by fixed groups of dictionary columns. Every number is thus computed by the
// same calls in the same order for any thread count (bit-identical results), and BLAS threads
// never compete with OpenMP threads (OpenBLAS runs single-threaded, core/parallel.cpp).
#include "cpu_step_kernel.hpp"

#include <cblas.h>

#include <algorithm>
#include <vector>

#include "lsc/backend/langevin_update.hpp"
#include "lsc/core/rng.hpp"

#if defined(EIGEN_WORLD_VERSION)
#error "cpu_step_kernel.cpp is compiled with -march=native and must not include Eigen (see the header)"
#endif

namespace lsc::detail {
namespace {

using Index = std::ptrdiff_t;
constexpr Index kDictChunk = 32;  // dictionary columns per call of the dictionary phase

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

// Per-thread buffers of the noise of one chunk (no allocation per step).
template <class T>
struct NoiseBuffers {
  std::vector<std::uint32_t> block, chain_lo, word3, w0, w1, w2, w3;
  std::vector<T> z0, z1, z2, z3;
  void resize(std::size_t q) {
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

// eq. 3.9 for the n chains of a chunk: each coefficient takes its own normal, then s(u) for
// the next step. The chunk's B = ⌈K/4⌉ Philox blocks per chain are generated for all chains in
// one flat loop per stage (counters, Philox, Box-Muller), so the vector lanes are full even
// when K is small; the update then reads the normals in the layout of noise::noise_source.
template <class T, class Ops>
void update_chunk(const CpuStep<T>& s, const Ops& ops, Index j0, Index n, const T* G, NoiseBuffers<T>& nb) {
  constexpr auto purpose = static_cast<std::uint32_t>(Purpose::langevin_noise);
  const Index B = (s.K + 3) / 4, Q = n * B;
  nb.resize(static_cast<std::size_t>(Q));
  const noise::Counter step_words = noise::counter_of(purpose, s.step, 0, 0);
  for (Index j = 0; j < n; ++j) {
    const noise::Counter c = noise::counter_of(purpose, s.step, s.chain[j0 + j], 0);
    for (Index b = 0; b < B; ++b) {
      nb.block[j * B + b] = static_cast<std::uint32_t>(b);
      nb.chain_lo[j * B + b] = c.c1;
      nb.word3[j * B + b] = c.c3;
    }
  }
  philox_pass(Q, nb.block.data(), nb.chain_lo.data(), step_words.c2, nb.word3.data(), s.key, nb.w0.data(),
              nb.w1.data(), nb.w2.data(), nb.w3.data());
  box_muller_pass(Q, nb.w0.data(), nb.w1.data(), nb.w2.data(), nb.w3.data(), nb.z0.data(), nb.z1.data(),
                  nb.z2.data(), nb.z3.data());
  const T* z[4] = {nb.z0.data(), nb.z1.data(), nb.z2.data(), nb.z3.data()};
  constexpr Index kGroup = 4 * noise::kGroupBlocks;
  for (Index j = 0; j < n; ++j) {
    T* u = s.U + (j0 + j) * s.K;
    T* s_next = s.S_next + (j0 + j) * s.K;
    const T* g = G + j * s.K;
    for (Index k0 = 0; k0 < s.K; k0 += kGroup) {
      const Index m = std::min(kGroup, s.K - k0), lanes = (m + 3) / 4;
      for (int word = 0; word < 4; ++word) {
        const Index e0 = lanes * word, len = std::min(lanes, m - e0);
        const T* zw = z[word] + j * B + k0 / 4;
        for (Index b = 0; b < len; ++b) {
          const Index k = k0 + e0 + b;
          const T un = euler_update(ops, u[k], g[k], s.inv_var, s.eps, s.noise_scale, zw[b]);
          u[k] = un;
          s_next[k] = ops.s(un);
        }
      }
    }
  }
}

template <class T, bool kFused>
void step_impl(const CpuStep<T>& s) {
  const Index chunks = cpu_chunks(s.N), dict_chunks = (s.K + kDictChunk - 1) / kDictChunk;
  const int nt = static_cast<int>(std::min<Index>(s.threads, std::max(chunks, dict_chunks)));
  visit_ops<T>(s.prior, s.lambda, s.u0, [&](const auto& ops) {
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
      thread_local std::vector<T> G;
      thread_local NoiseBuffers<T> noise;
      G.resize(static_cast<std::size_t>(s.K * kCpuChunk));
#pragma omp for schedule(static)
      for (Index c = 0; c < chunks; ++c) {
        const Index j0 = c * kCpuChunk, n = std::min(kCpuChunk, s.N - j0);
        T* R = s.R + j0 * s.D;
        const T* S = s.S + j0 * s.K;
        std::copy_n(s.X + j0 * s.D, n * s.D, R);
        gemm(false, false, s.D, n, s.K, T(1), s.A, s.D, S, s.K, T(-1), R, s.D);    // R = A S − X
        gemm(true, false, s.K, n, s.D, T(1), s.A, s.D, R, s.D, T(0), G.data(), s.K);  // G = Aᵀ R
        if constexpr (kFused) update_chunk(s, ops, j0, n, G.data(), noise);
      }
      if (s.rate != T(0)) {
        // A ← A − rate · R Sᵀ with the S of the step's start, by fixed groups of columns of A.
#pragma omp for schedule(static)
        for (Index b = 0; b < dict_chunks; ++b) {
          const Index k0 = b * kDictChunk, m = std::min(kDictChunk, s.K - k0);
          gemm(false, true, s.D, m, s.N, -s.rate, s.R, s.D, s.S + k0, s.K, T(1), s.A + k0 * s.D, s.D);
        }
      }
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
void cpu_step_stats(const T* R, Index r_size, const T* S, Index s_size, double& sq, double& active) {
  // Eight fixed partial sums: a reduction the compiler may vectorize without reordering it.
  double lane[8] = {};
  Index i = 0;
  for (; i + 8 <= r_size; i += 8)
    for (int l = 0; l < 8; ++l) lane[l] += double(R[i + l]) * double(R[i + l]);
  for (; i < r_size; ++i) lane[0] += double(R[i]) * double(R[i]);
  sq = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
  std::int64_t count = 0;
  for (Index k = 0; k < s_size; ++k) count += S[k] != T(0);
  active = double(count);
}

template void cpu_step_stats<float>(const float*, Index, const float*, Index, double&, double&);
template void cpu_step_stats<double>(const double*, Index, const double*, Index, double&, double&);
template void cpu_fused_step<float>(const CpuStep<float>&);
template void cpu_fused_step<double>(const CpuStep<double>&);
template void cpu_products_only<float>(const CpuStep<float>&);
template void cpu_products_only<double>(const CpuStep<double>&);

}  // namespace lsc::detail
