#!/usr/bin/env bash
# Steps/s of the L0-LSC learning step on 1 and 2 MPI ranks (one thread each), with the time each
# rank spends exchanging sums, for the ordered (bit-identical) and the allreduce reduction:
# the measurements of docs/mpi.md. Usage: bench/mpi_scaling.sh [seconds per measurement]
# Prints a Markdown table; runs the three configurations of each shape back to back (A/B/C
# interleaved), so that a noisy machine shifts them together.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3}
lsc=build/lsc
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_WAIT_POLICY=passive
run() {  # P reduction D K N
  mpirun --oversubscribe -np "$1" "$lsc" bench step --threads 1 --seconds "$seconds" --reduction "$2" \
    --D "$3" --K "$4" --N "$5"
}
echo "| D | K | N | P = 1 steps/s | P = 2 ordered steps/s (speed-up) | comm. ms/step | P = 2 allreduce steps/s (speed-up) | comm. ms/step |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for shape in "64 256 1024" "64 256 4096" "64 256 16384" "256 1024 1024" "256 1024 4096" "256 1024 8192"; do
  set -- $shape
  one=$(run 1 ordered "$@")
  ordered=$(run 2 ordered "$@")
  allreduce=$(run 2 allreduce "$@")
  /usr/bin/python3 - "$one" "$ordered" "$allreduce" "$@" <<'PY'
import json, sys
one, ordered, allreduce = (json.loads(a) for a in sys.argv[1:4])
D, K, N = sys.argv[4:7]
s1 = one["steps_per_s"]
cells = [f"{s1:.1f}"]
for r in (ordered, allreduce):
    cells += [f"{r['steps_per_s']:.1f} ({r['steps_per_s'] / s1:.2f}x)", f"{r['communication_ms_per_step']:.2f}"]
print(f"| {D} | {K} | {N} | " + " | ".join(cells) + " |")
PY
done
