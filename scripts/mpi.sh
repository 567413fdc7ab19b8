#!/usr/bin/env bash
# The main job on two MPI ranks: the bars of scripts/bars.sh with a batch of 512 chains split
# between `mpirun -np 2` ranks (docs/mpi.md) into runs/bars-mpi, then the same command as one
# process into runs/bars-one, and a check that both dictionaries are the same bytes.
# Usage: scripts/mpi.sh [ranks] [more lsc train options]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ranks=${1:-2}
shift || true
# Open MPI refuses root unless told; more ranks than cores need --oversubscribe.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
args=(train --data bars --method lsc --prior l0 --learn-pi --pi 0.5 --batch 512 "$@")
mpirun --oversubscribe -np "$ranks" ./build/lsc "${args[@]}" --out runs/bars-mpi
./build/lsc "${args[@]}" --quiet --out runs/bars-one > /dev/null
if cmp -s runs/bars-mpi/dictionary.npy runs/bars-one/dictionary.npy; then
  echo "runs/bars-mpi/dictionary.npy ($ranks ranks) and runs/bars-one/dictionary.npy (one process) are the same bytes"
else
  echo "runs/bars-mpi/dictionary.npy ($ranks ranks) differs from runs/bars-one/dictionary.npy (one process)" >&2
  exit 1
fi
