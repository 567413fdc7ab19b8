#!/usr/bin/env bash
# Builds the C++ suite with AddressSanitizer and UndefinedBehaviorSanitizer (gcc) in build-asan/
# and runs it under ctest; extra arguments go to ctest (e.g. -R 'Npy|Png'). Part of CI (.ci/run).
# The long statistical tests and the CLI end-to-end runs are left to the plain build (their code
# paths are the same; under ASan they take 3-10x as long): see LABELS below and
# docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSC_BUILD_TESTS=ON -DLSC_BUILD_PYTHON=OFF \
  -DLSC_BUILD_BENCH=OFF -DLSC_CUDA=OFF -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build build-asan -j"$(nproc 2>/dev/null || echo 2)" --target lsc_tests
cd build-asan
# Leaks inside the libraries lsc links (libngspice keeps its circuits, OpenBLAS its buffers) are
# theirs: tests/sanitizer/lsan.supp names them; lsc's own leaks still fail.
export ASAN_OPTIONS="abort_on_error=0:detect_leaks=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/../tests/sanitizer/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --output-on-failure -j"$(nproc 2>/dev/null || echo 2)" -E "$(cat ../tests/sanitizer/skip.txt | grep -v '^#' | paste -sd'|')" "$@"
