"""The Python overhead: the same bars fit from the CLI and from Python, timed and compared.

    PYTHONPATH=build/python /usr/bin/python3 python/tools/overhead.py [--steps 20000] [--repeats 5]

Each repeat runs, interleaved so that machine load hits all alike:
  cli       `lsc train --data bars --steps N --seed 1 --threads 1 --quiet --out DIR` (the process)
  train     lsc.train("bars", steps=N, seed=1, threads=1, out=DIR) (the call, run folder included)
  cli-npy   `lsc train --data X.npy ...` on 20 000 generated bars images
  fit       lsc.LangevinDictionaryLearning(steps=N, random_state=1, threads=1).fit(X) on the same X
and checks that each pair's dictionaries are bit-identical. Prints min and median wall times and
the ratios Python / CLI (docs/python.md records them).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import lsc

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=20000)
parser.add_argument("--repeats", type=int, default=5)
args = parser.parse_args()

tmp = tempfile.mkdtemp(prefix="lsc-overhead-")
X, _, _ = lsc.generate_bars(20000, seed=2)
np.save(os.path.join(tmp, "X.npy"), X)
common = ["--steps", str(args.steps), "--seed", "1", "--threads", "1", "--quiet"]
times = {"cli": [], "train": [], "cli-npy": [], "fit": []}


def clock(key, f):
    start = time.perf_counter()
    f()
    times[key].append(time.perf_counter() - start)


for r in range(args.repeats):
    clock("cli", lambda: subprocess.run([lsc.CLI_PATH, "train", "--data", "bars", *common, "--out",
                                         os.path.join(tmp, "cli")], check=True, capture_output=True))
    clock("train", lambda: lsc.train("bars", steps=args.steps, seed=1, threads=1, progress=False,
                                     out=os.path.join(tmp, "py")))
    clock("cli-npy", lambda: subprocess.run([lsc.CLI_PATH, "train", "--data", os.path.join(tmp, "X.npy"), *common,
                                             "--out", os.path.join(tmp, "cli-npy")], check=True, capture_output=True))
    est = lsc.LangevinDictionaryLearning(steps=args.steps, random_state=1, threads=1, progress=False)
    clock("fit", lambda: est.fit(X))
    print(f"repeat {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), file=sys.stderr)

same_bars = np.array_equal(np.load(os.path.join(tmp, "cli", "dictionary.npy")),
                           np.load(os.path.join(tmp, "py", "dictionary.npy")))
same_fit = np.array_equal(np.load(os.path.join(tmp, "cli-npy", "dictionary.npy")), est.components_)
print(f"{args.steps} L0-LSC steps on the bars, one thread, {args.repeats} repeats (min / median wall time)")
for k, v in times.items():
    print(f"  {k:8s} {min(v):6.2f} s / {statistics.median(v):6.2f} s")
for py, cli in (("train", "cli"), ("fit", "cli-npy")):
    print(f"  {py} / {cli}: {min(times[py]) / min(times[cli]):.3f} (min), "
          f"{statistics.median(times[py]) / statistics.median(times[cli]):.3f} (median)")
print(f"bit-identical dictionaries: bars {same_bars}, array {same_fit}")
