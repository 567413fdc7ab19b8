#!/usr/bin/env bash
# ThreadSanitizer on the threaded tests (docs/reliability.md): clang with LLVM's OpenMP runtime
# and its archer tool, which tells TSan about OpenMP's barriers and tasks (gcc's libgomp is not
# instrumented, so under gcc TSan reports the runtime's own synchronisation). Builds build-tsan/
# and runs the tests whose names tests/sanitizer/tsan_tests.txt lists, on 2 threads or more;
# extra arguments go to the test binary. Part of CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/install_missing.sh
install_missing tsan clang libomp-dev

archer=$(ls /usr/lib/llvm-*/lib/libarcher.so 2>/dev/null | sort -V | tail -1)
[ -n "$archer" ] || { echo "tsan: libarcher.so not found (it comes with libomp-dev)" >&2; exit 1; }
# The build runs the test binary too (gtest's test discovery), so the TSan environment is set for
# the whole script: without ignore_noninstrumented_modules, libomp's own start-up reads as races.
# Passive waits: archer's checks make spinning threads very slow; 4 threads so that the parallel
# loops really split even where a test asks for "all cores" of a 2-core machine.
export OMP_TOOL_LIBRARIES="$archer" OMP_WAIT_POLICY=passive OMP_NUM_THREADS=4
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1"
flags="-fsanitize=thread -fno-omit-frame-pointer"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DLSC_BUILD_TESTS=ON \
  -DLSC_BUILD_PYTHON=OFF -DLSC_BUILD_BENCH=OFF -DLSC_CUDA=OFF -DLSC_NATIVE_KERNELS=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build build-tsan -j"$(nproc 2>/dev/null || echo 2)" --target lsc_tests

# The canary: a deliberate race that this set-up must report, or the run below proves nothing.
clang++ -fopenmp -fsanitize=thread -g -O1 tests/sanitizer/tsan_canary.cpp -o build-tsan/tsan_canary
if build-tsan/tsan_canary > build-tsan/tsan_canary.log 2>&1 ||
   ! grep -q "ThreadSanitizer: data race" build-tsan/tsan_canary.log; then
  echo "tsan: the deliberate race of tests/sanitizer/tsan_canary.cpp was not reported; the TSan set-up is broken" >&2
  exit 1
fi
echo "tsan: the canary's deliberate race was reported, as it must be" >&2

filter=$(grep -v '^#' tests/sanitizer/tsan_tests.txt | grep . | paste -sd:)
./build-tsan/tests/lsc_tests --gtest_filter="$filter" "$@"
