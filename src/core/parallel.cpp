#include "lsc/core/parallel.hpp"

#include <omp.h>

#include <thread>

extern "C" void openblas_set_num_threads(int);

namespace lsc {

namespace {
int g_threads = 0;
}

void set_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  g_threads = n;
  // OpenBLAS runs single-threaded: its pthreads spin while the OpenMP loops run (and vice
  // versa), which made two threads sixty times slower than one on the bars. Products are
  // parallelized by the column loops instead (see issue 5 for the fused step). First, because
  // OpenBLAS's OpenMP build sets OpenMP's thread count to its own here.
  openblas_set_num_threads(1);
  omp_set_num_threads(n);
}

int threads() { return g_threads > 0 ? g_threads : omp_get_max_threads(); }

}  // namespace lsc
