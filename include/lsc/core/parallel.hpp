#pragma once
// Column-parallel loops and thread control. Work is split by columns (chains), and every
// column's arithmetic and random numbers are independent of the split, so results are
// bit-identical for any thread count.
#include <cstdint>

#include "lsc/core/types.hpp"

namespace lsc {

// Sets the threads used by OpenMP loops, 0 meaning all cores, and keeps OpenBLAS on one thread,
// since its calls run inside those loops.
void set_threads(int n);
int threads();

// Below this many columns the loop runs on one thread: a batch of a few hundred chains is
// done in microseconds, less than an OpenMP barrier costs when another process holds a core.
inline constexpr Index kParallelMinColumns = 512;

template <class F>
void for_each_column(Index n, F&& f) {
#pragma omp parallel for schedule(static) if (n >= kParallelMinColumns)
  for (Index j = 0; j < n; ++j) f(j);
}

// For a few hundred iterations that each take long (a nonlinear fit per dictionary element):
// always parallel, handed out one at a time. Each iteration must write only its own outputs,
// so the result is the same for any thread count and order.
template <class F>
void for_each_task(Index n, F&& f) {
#pragma omp parallel for schedule(dynamic, 1)
  for (Index j = 0; j < n; ++j) f(j);
}

}  // namespace lsc
