#include "small_gemm.hpp"

#include <type_traits>
#include <vector>

#if defined(LSC_HAVE_XSMM)
#include <libxsmm.h>
#endif

namespace lsc::detail {

namespace {

// libxsmm JIT-compiles a kernel for any shape it is asked for, but beyond about 64³
// multiply-adds its unblocked kernels lose to OpenBLAS (D 64, K 256, 128 chains: 1.8× slower
// steps); 64³ is also libxsmm's own threshold for its automatic dispatch (LIBXSMM_MAX_MNK).
constexpr std::ptrdiff_t kMaxMultiplyAdds = 64 * 64 * 64;

struct Shape {
  std::ptrdiff_t m, n, k, lda, ldb, ldc;
  bool accumulate;
  bool operator==(const Shape&) const = default;
};

template <class T>
struct Entry {
  Shape shape;
  SmallKernel<T> kernel;
};

#if defined(LSC_HAVE_XSMM)
template <class T>
using XsmmFunction = std::conditional_t<sizeof(T) == 4, libxsmm_smmfunction, libxsmm_dmmfunction>;

template <class T>
SmallKernel<T> dispatch(const Shape& s) {
  const libxsmm_blasint m = s.m, n = s.n, k = s.k, lda = s.lda, ldb = s.ldb, ldc = s.ldc;
  const T alpha = 1, beta = s.accumulate ? 1 : 0;
  const int flags = LIBXSMM_GEMM_FLAG_NONE, prefetch = LIBXSMM_PREFETCH_NONE;
  XsmmFunction<T> f;
  if constexpr (sizeof(T) == 4)
    f = libxsmm_smmdispatch(m, n, k, &lda, &ldb, &ldc, &alpha, &beta, &flags, &prefetch);
  else
    f = libxsmm_dmmdispatch(m, n, k, &lda, &ldb, &ldc, &alpha, &beta, &flags, &prefetch);
  return {reinterpret_cast<const void*>(f)};
}
#else
template <class T>
SmallKernel<T> dispatch(const Shape&) {
  return {};
}
#endif

}  // namespace

template <class T>
void SmallKernel<T>::operator()(const T* a, const T* b, T* c) const {
#if defined(LSC_HAVE_XSMM)
  reinterpret_cast<XsmmFunction<T>>(const_cast<void*>(fn))(a, b, c);  // clang: no cast drops const
#else
  (void)a, (void)b, (void)c;  // never called: there are no kernels
#endif
}

template <class T>
SmallKernel<T> small_kernel(std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, std::ptrdiff_t lda,
                            std::ptrdiff_t ldb, std::ptrdiff_t ldc, bool accumulate) {
  thread_local std::vector<Entry<T>> cache;
  const Shape shape{m, n, k, lda, ldb, ldc, accumulate};
  for (const Entry<T>& e : cache)
    if (e.shape == shape) return e.kernel;
  cache.push_back({shape, m * n * k <= kMaxMultiplyAdds ? dispatch<T>(shape) : SmallKernel<T>{}});
  return cache.back().kernel;
}

template struct SmallKernel<float>;
template struct SmallKernel<double>;
template SmallKernel<float> small_kernel<float>(std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t,
                                                std::ptrdiff_t, std::ptrdiff_t, bool);
template SmallKernel<double> small_kernel<double>(std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t,
                                                  std::ptrdiff_t, std::ptrdiff_t, bool);

}  // namespace lsc::detail
