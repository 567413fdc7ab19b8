#!/usr/bin/env bash
# Builds lsc with its tests and runs them all: ctest (C++ and CLI), then pytest (Python).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh -DLSC_BUILD_TESTS=ON
cd build
ctest --output-on-failure -j"$(nproc 2>/dev/null || echo 2)" "$@"
cd ..
# The Python tests, on this checkout's build, with Debian's python3 (a pyenv python first on PATH
# has no NumPy).
PYTHONPATH="$PWD/build/python" OMP_WAIT_POLICY=passive /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python
