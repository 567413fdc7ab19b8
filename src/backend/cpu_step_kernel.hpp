#pragma once
// The arithmetic of one fused CPU step (internal to the CPU backend), on raw column-major
// arrays. It lives in its own file, free of Eigen, because that file alone is compiled for the
// build machine's widest vectors (LSC_NATIVE_KERNELS): Eigen objects compiled with a different
// vector width than the rest of the library assume a different alignment and must not cross.
#include <cstddef>
#include <cstdint>

#include "lsc/core/noise.hpp"
#include "lsc/prior/prior_ops.hpp"

namespace lsc::detail {

template <class T>
struct CpuStep {
  std::ptrdiff_t D = 0, K = 0, N = 0;
  T* A = nullptr;          // D×K, updated unless rate == 0
  const T* X = nullptr;    // D×N
  T* U = nullptr;          // K×N, updated
  const T* S = nullptr;    // K×N, s(U) at the start of the step
  T* S_next = nullptr;     // K×N, s(U) after it
  T* R = nullptr;          // D×N, written: A S − X
  const std::uint64_t* chain = nullptr;  // N chain ids, keying the noise
  std::uint64_t step = 0;
  noise::Key key{};
  PriorKind prior = PriorKind::l0;
  T lambda = 1, u0 = 0;
  T inv_var = 1, eps = 0, noise_scale = 0;  // 1/σ², ε, √(2Tε)
  T rate = 0;              // 1/(τ_A N σ²); 0 keeps A
  int threads = 1;
};

// Columns per chunk of the coefficient phase: fixed, so results do not depend on threads.
inline constexpr std::ptrdiff_t kCpuChunk = 128;
inline std::ptrdiff_t cpu_chunks(std::ptrdiff_t N) { return (N + kCpuChunk - 1) / kCpuChunk; }

// After a step: ‖R‖² and the count of S ≠ 0 for the S of its start (the engine's stats()).
template <class T>
void cpu_step_stats(const T* R, std::ptrdiff_t r_size, const T* S, std::ptrdiff_t s_size, double& sq, double& active);

template <class T>
void cpu_fused_step(const CpuStep<T>& s);

// The three products of the step alone, on the same BLAS and the same chunks (the roofline
// that `lsc bench step` compares the fused step with): R = A S − X, G = Aᵀ R, A −= rate R Sᵀ.
template <class T>
void cpu_products_only(const CpuStep<T>& s);

}  // namespace lsc::detail
