#!/usr/bin/env bash
# Fuzzes every parser of fuzz/targets.hpp with libFuzzer (clang, ASan + UBSan) for SECONDS each:
#   scripts/fuzz.sh [SECONDS] [TARGET...]        (default 60 s; targets: all)
# Builds in build-fuzz/, starts from the corpus kept in tests/fuzz_corpus/TARGET/, writes what it
# finds to build-fuzz/corpus/TARGET/ and crashes to build-fuzz/artifacts/TARGET/, and prints a
# table of executions and findings (docs/reliability.md). Keep a crash as a regression test by
# copying its artifact into tests/fuzz_corpus/TARGET/ once it is fixed; ctest replays that folder.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(npy image model_json metrics_csv checkpoint recipe)

. scripts/install_missing.sh
install_missing fuzz clang libclang-rt-dev libomp-dev

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DLSC_FUZZ=ON \
  -DLSC_BUILD_TESTS=OFF -DLSC_BUILD_PYTHON=OFF -DLSC_BUILD_BENCH=OFF -DLSC_CUDA=OFF -DLSC_NATIVE_KERNELS=OFF \
  -DCMAKE_CXX_FLAGS="$flags" >/dev/null
cmake --build build-fuzz -j"$(nproc 2>/dev/null || echo 2)" --target "${targets[@]/#/fuzz_}"

printf '| target | seconds | executions | exec/s | corpus found | crashes |\n| --- | --- | --- | --- | --- | --- |\n' > build-fuzz/report.md
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t"
  # Allocations beyond 2 GiB count as findings: sizes that claim terabytes must be refused first.
  OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=20 \
    -rss_limit_mb=3072 -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$t/" \
    "build-fuzz/corpus/$t" "tests/fuzz_corpus/$t" > "build-fuzz/$t.log" 2>&1 || true
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$t.log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "build-fuzz/$t.log" | grep -o '[0-9]*$' | tail -1)
  found=$(find "build-fuzz/corpus/$t" -type f | wc -l)
  crashes=$(find "build-fuzz/artifacts/$t" -type f | wc -l)
  printf '| %s | %s | %s | %s | %s | %s |\n' "$t" "$seconds" "${runs:-?}" "${rate:-?}" "$found" "$crashes" | tee -a build-fuzz/report.md
done
echo "fuzz: table in build-fuzz/report.md; logs build-fuzz/TARGET.log; crashes build-fuzz/artifacts/" >&2
