#pragma once
// Code shared by the CPU and the CUDA backends is written once, as inline functions marked
// LSC_HD (host and device under nvcc, plain inline under a C++ compiler). The few math
// functions it needs go through the overloads below, because std:: functions are host-only in
// device code and the float and double versions must be chosen by type, not by name.
#include <cmath>
#include <cstdint>
#if !defined(__CUDA_ARCH__)
#include <bit>
#endif

#if defined(__CUDACC__)
#define LSC_HD __host__ __device__ __forceinline__
#else
#define LSC_HD inline
#endif

// Fully unrolls a short loop of constant trip count: a loop left inside a loop over vector
// lanes is control flow, which stops the vectorizer.
#if defined(__CUDACC__)
#define LSC_UNROLL _Pragma("unroll")
#elif defined(__clang__)
#define LSC_UNROLL _Pragma("clang loop unroll(full)")
#else
#define LSC_UNROLL _Pragma("GCC unroll 32")
#endif

namespace lsc::hd {

#if defined(__CUDA_ARCH__)
LSC_HD float abs(float x) { return fabsf(x); }
LSC_HD double abs(double x) { return fabs(x); }
LSC_HD float copysign(float x, float s) { return copysignf(x, s); }
LSC_HD double copysign(double x, double s) { return ::copysign(x, s); }
LSC_HD float log1p(float x) { return log1pf(x); }
LSC_HD double log1p(double x) { return ::log1p(x); }
LSC_HD double log(double x) { return ::log(x); }
LSC_HD float sqrt(float x) { return sqrtf(x); }
LSC_HD double sqrt(double x) { return ::sqrt(x); }
#else
LSC_HD float abs(float x) { return std::fabs(x); }
LSC_HD double abs(double x) { return std::fabs(x); }
LSC_HD float copysign(float x, float s) { return std::copysign(x, s); }
LSC_HD double copysign(double x, double s) { return std::copysign(x, s); }
LSC_HD float log1p(float x) { return std::log1p(x); }
LSC_HD double log1p(double x) { return std::log1p(x); }
LSC_HD double log(double x) { return std::log(x); }
LSC_HD float sqrt(float x) { return std::sqrt(x); }
LSC_HD double sqrt(double x) { return std::sqrt(x); }
#endif
// The bits of a float or double and back (std::bit_cast is host-only under nvcc).
#if defined(__CUDA_ARCH__)
LSC_HD std::uint32_t bits(float x) { return __float_as_uint(x); }
LSC_HD std::uint64_t bits(double x) { return static_cast<std::uint64_t>(__double_as_longlong(x)); }
LSC_HD float from_bits(std::uint32_t b) { return __uint_as_float(b); }
LSC_HD double from_bits(std::uint64_t b) { return __longlong_as_double(static_cast<long long>(b)); }
#else
LSC_HD std::uint32_t bits(float x) { return std::bit_cast<std::uint32_t>(x); }
LSC_HD std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }
LSC_HD float from_bits(std::uint32_t b) { return std::bit_cast<float>(b); }
LSC_HD double from_bits(std::uint64_t b) { return std::bit_cast<double>(b); }
#endif
// Written as selects so that they vectorize and stay branch-free on both targets.
template <class T>
LSC_HD T max(T a, T b) { return a < b ? b : a; }  // as std::max
template <class T>
LSC_HD T min(T a, T b) { return b < a ? b : a; }  // as std::min

}  // namespace lsc::hd
