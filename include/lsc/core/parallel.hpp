#pragma once
// Column-parallel loops and thread control. Work is split by columns (chains), and every
// column's arithmetic and random numbers are independent of the split, so results are
// bit-identical for any thread count.
#include <cstdint>

#include "lsc/core/types.hpp"

namespace lsc {

// Sets the threads used by OpenMP loops and by the BLAS under Eigen; 0 means all cores.
void set_threads(int n);
int threads();

template <class F>
void for_each_column(Index n, F&& f) {
#pragma omp parallel for schedule(static)
  for (Index j = 0; j < n; ++j) f(j);
}

}  // namespace lsc
