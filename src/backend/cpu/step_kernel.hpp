#pragma once
// The arithmetic of one CPU step (internal to the CPU backend), on raw column-major arrays. It
// lives in its own file, free of Eigen, because that file alone is compiled for the build
// machine's widest vectors (LSC_NATIVE_KERNELS): Eigen objects compiled with a different vector
// width than the rest of the library assume a different alignment and must not cross.
#include <cstddef>
#include <cstdint>

#include "lsc/core/noise.hpp"
#include "lsc/prior/prior_ops.hpp"

namespace lsc::detail {

enum class CpuSampler { euler, mala, gradient_flow };

// Per chunk of chains, of the state at the start of the step (after the dead-zone sweep): the
// terms of EngineStats, summed in chunk order by the engine so that no result depends on threads.
struct ChunkStats {
  double residual_sq = 0, drive_u0 = 0, slab_cost = 0, slab_count = 0, active = 0;
  std::uint64_t accepted = 0;
};

template <class T>
struct CpuStep {
  std::ptrdiff_t D = 0, K = 0, N = 0;
  T* A = nullptr;          // D×K, updated unless rate == 0
  const T* X = nullptr;    // D×N
  T* U = nullptr;          // K×N, updated
  T* S = nullptr;          // K×N, s(U) at the start of the step (the dead-zone sweep updates it)
  bool recompute_s = false;  // S is stale (u0 changed): each chunk first sets S = s(U)
  T* S_next = nullptr;     // K×N, s(U) after it
  T* R = nullptr;          // D×N: A S − X of the start (with `cached`, already so on entry)
  T* G = nullptr;          // K×N (MALA): Aᵀ R of the start, kept between steps with `cached`
  // MALA with A and X unchanged since the last step: R and G hold the current state's, and the
  // accepted proposals' R' and G' are written back for the next step (`keep_cache`).
  bool cached = false, keep_cache = false;
  const T* gram = nullptr;  // K×K AᵀA, for the dead-zone jumps
  const T* At = nullptr;    // K×D Aᵀ, set by the step itself when it takes the small products
  const std::uint64_t* chain = nullptr;  // N chain ids, keying the noise
  std::uint64_t step = 0;
  noise::Key key{};
  PriorKind prior = PriorKind::l0;
  CpuSampler sampler = CpuSampler::euler;
  bool jumps = false;
  T lambda = 1, u0 = 0;
  T inv_var = 1, eps = 0, noise_scale = 0;  // 1/σ², ε, √(2Tε)
  T temperature = 1;
  T rate = 0;              // 1/(τ_A N σ²); 0 keeps A
  double* sum_s = nullptr;       // K×N: += S_next when not null
  double* sum_active = nullptr;  // K×N: += 1[S_next ≠ 0]
  ChunkStats* chunk_stats = nullptr;  // cpu_chunks(N) entries, written
  int threads = 1;
};

// Columns per chunk of the coefficient phase: fixed, so results do not depend on threads (nor on
// ranks: dist::kChunkChains is the same number).
inline constexpr std::ptrdiff_t kCpuChunk = 128;
// Dictionary columns per group of the dictionary phase (and per message between ranks).
inline constexpr std::ptrdiff_t kCpuDictChunk = 32;
inline std::ptrdiff_t cpu_chunks(std::ptrdiff_t N) { return (N + kCpuChunk - 1) / kCpuChunk; }

template <class T>
void cpu_fused_step(const CpuStep<T>& s);

// A ← A − rate Σ_c R_c S_cᵀ for the dictionary columns [k0, k0 + m), folded over the step's chunks
// in chunk order, as the fused step does: a rank's share of the dictionary update, continuing the
// fold of the ranks before it (the engine runs the step with rate 0, then this per group).
template <class T>
void cpu_fold_dictionary(const CpuStep<T>& s, std::ptrdiff_t k0, std::ptrdiff_t m);

// gram = AᵀA (K×K), for the dead-zone jumps.
template <class T>
void cpu_gram(std::ptrdiff_t D, std::ptrdiff_t K, const T* A, T* gram);

// Standard normals of (purpose, step, chain[j], coefficient k) for n chains, into the K×n array Z,
// vectorized as the fused step draws its noise (the kinetic engine's momentum refreshes).
template <class T>
void cpu_normals(std::uint32_t purpose, noise::Key key, std::uint64_t step, const std::uint64_t* chain,
                 std::ptrdiff_t n, std::ptrdiff_t K, T* Z);

// The L0 dead-zone sweep (langevin_update.hpp) of n chains whose K×n U and S, D×n R = A S − X and
// K×n G = AᵀR it keeps consistent; adds each chain's change of Σ_k C(u_k) and ‖R‖² to dcost and
// drsq when they are not null. The test's uniforms are keyed by (Purpose::dead_zone_jump, step,
// chain), coefficient k taking word k % 4 of block k / 4.
template <class T>
struct JumpSweep {
  std::ptrdiff_t D = 0, K = 0;
  const T* A = nullptr;     // D×K
  const T* gram = nullptr;  // K×K AᵀA
  T inv_var = 1, lambda = 1, u0 = 0, temperature = 1;
  noise::Key key{};
  std::uint64_t step = 0;
};
template <class T>
void cpu_jump_sweep(const JumpSweep<T>& j, const std::uint64_t* chain, std::ptrdiff_t n, T* U, T* S, T* R, T* G,
                    double* dcost, double* drsq);

// The kinetic samplers' elementwise passes over the K coefficients of one chain (kinetic_update.hpp;
// backend/cpu/kinetic_engine.cpp), here for the native vectors, sums in double over lanes.
template <class T>
struct KineticColumn {
  PriorKind prior = PriorKind::l0;
  T lambda = 1, u0 = 0, inv_var = 1;
  const T* inv_mass = nullptr;   // 1/m_k
  const T* sqrt_mass = nullptr;  // √m_k
  std::ptrdiff_t K = 0;
};
// B_{τk} then A_{τd} and s = s(u); returns Σ_k C(u_k).
template <class T>
double cpu_kick_drift(const KineticColumn<T>& c, T* u, T* p, T* s, const T* g, T tau_kick, T tau_drift);
// A_τ and s = s(u); returns Σ_k C(u_k).
template <class T>
double cpu_drift(const KineticColumn<T>& c, T* u, const T* p, T* s, T tau);
// B_τ; returns ½ Σ p²/m after it.
template <class T>
double cpu_kick(const KineticColumn<T>& c, T* p, const T* u, const T* g, T tau);
// O with normals z and sd = √((1 − η²) T); returns ½ Σ p²/m after it.
template <class T>
double cpu_refresh(const KineticColumn<T>& c, T* p, const T* z, T eta, T sd);
template <class T>
double kinetic_energy(const KineticColumn<T>& c, const T* p);
// The statistics of n chains (as the fused step's, accepted = 0).
template <class T>
ChunkStats cpu_chunk_stats(const KineticColumn<T>& c, std::ptrdiff_t D, std::ptrdiff_t n, const T* S, const T* R, const T* G);

// The three products of the step alone, on the same BLAS and the same chunks (the roofline
// that `lsc bench step` compares the fused step with): R = A S − X, G = Aᵀ R, A −= rate R Sᵀ.
template <class T>
void cpu_products_only(const CpuStep<T>& s);

}  // namespace lsc::detail
