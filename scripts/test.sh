#!/usr/bin/env bash
# Builds lsc with its tests and runs them all with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh -DLSC_BUILD_TESTS=ON
cd build
ctest --output-on-failure -j"$(nproc 2>/dev/null || echo 2)" "$@"
