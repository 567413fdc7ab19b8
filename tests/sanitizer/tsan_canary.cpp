// A data race on purpose: scripts/tsan.sh builds and runs it first and requires ThreadSanitizer
// to report it, so that a TSan set-up that has stopped seeing races (archer missing, a flag lost)
// fails CI instead of passing the threaded tests unchecked. Not part of any build target.
#include <cstdio>

int main() {
  long sum = 0;
#pragma omp parallel for
  for (int i = 0; i < 100000; ++i) sum += i;  // every thread writes sum unsynchronised
  std::printf("%ld\n", sum);
  return 0;
}
