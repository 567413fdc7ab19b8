#!/usr/bin/env bash
# Installs what is missing (Debian packages only), then configures and builds lsc in ./build.
# Usage: scripts/setup.sh [extra cmake options]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake libeigen3-dev libopenblas-dev librandom123-dev libcli11-dev
          nlohmann-json3-dev libpng-dev libjpeg-dev libtiff-dev libmatio-dev libfftw3-dev pkg-config
          libgtest-dev libxsmm-dev openmpi-bin libopenmpi-dev libngspice0-dev python3-numpy python3-matplotlib pybind11-dev python3-dev python3-sklearn python3-pytest)
. scripts/install_missing.sh
install_missing setup "${packages[@]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

# Where nvcc is installed the CUDA backend is built too (its tests skip without a GPU), so that
# it always compiles; -DLSC_CUDA=OFF among the options turns that off.
options=("$@")
if [[ " ${options[*]} " != *" -DLSC_CUDA="* ]]; then
  nvcc=$(command -v nvcc || true)
  [ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc
  if [ -n "$nvcc" ]; then
    echo "setup: building the CUDA backend too, with $nvcc (-DLSC_CUDA=OFF to skip it)" >&2
    options+=(-DLSC_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc")
  fi
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "${options[@]}" >/dev/null
cmake --build build -j"$jobs"

# `import lsc` for Debian's python3: a .pth file in its site directory names build/python (the
# set-up run last wins when there are several checkouts; PYTHONPATH=build/python takes precedence).
if [ -d build/python/lsc ]; then
  site_dir=$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')
  echo "$PWD/build/python" | $SUDO sh -c "mkdir -p '$site_dir' && cat > '$site_dir/lsc.pth'"
  echo "setup: /usr/bin/python3 imports lsc from $PWD/build/python ($site_dir/lsc.pth)" >&2
fi
