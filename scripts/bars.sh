#!/usr/bin/env bash
# The main job on the built-in data: L0-LSC dictionary learning on the bars, learning π from
# 0.5, into runs/bars (dictionary.png, dictionary.npy, model.json, metrics.csv, summary.json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
./build/lsc train --data bars --method lsc --prior l0 --learn-pi --pi 0.5 --out runs/bars "$@"
