#pragma once
// Small matrix products through libxsmm's JIT kernels (Debian's libxsmm-dev), where the build
// has it and the shape is small. At the bars' size (D 64, K 16, N 100-200) OpenBLAS's fixed cost
// per call is most of a step's products: the three products took 7.7-8.4 µs per step through
// cblas_sgemm and 3.5 µs through libxsmm kernels, transposes included (docs/benchmarks.md,
// "Small products"). Larger shapes keep OpenBLAS.
//
// The kernels compute C = A B + β C, column-major, without transposes, with β 0 or 1: the step
// keeps Aᵀ and −rate·Sᵀ explicitly to use them (step_kernel.cpp).
#include <cstddef>

namespace lsc::detail {

// A JIT kernel: c = a b (+ c). Empty when there is none for the shape.
template <class T>
struct SmallKernel {
  const void* fn = nullptr;  // libxsmm's (variadic) function, called with its own type
  explicit operator bool() const { return fn != nullptr; }
  void operator()(const T* a, const T* b, T* c) const;
};

// The kernel for an m×k by k×n product with these leading dimensions and β (0 or 1), or an
// empty one when the shape is too large (more than 64³ multiply-adds) or lsc was built without
// libxsmm. Cached per thread: a lookup among the few shapes a run uses.
template <class T>
SmallKernel<T> small_kernel(std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, std::ptrdiff_t lda,
                            std::ptrdiff_t ldb, std::ptrdiff_t ldc, bool accumulate);

}  // namespace lsc::detail
