#!/usr/bin/python3
"""Does a better coefficient sampler learn a better dictionary? (docs/parameters.md, "Samplers in learning")

    /usr/bin/python3 bench/learning_samplers.py --K 64 --out results/learning_samplers

Run it with Debian's /usr/bin/python3 (numpy) after a build. For every variant it learns L0-LSC
from 8×8 whitened BSDS300 training patches at lsc's defaults (`lsc train --data
images:.../train --patch 8 --K K --threads 1`, π 0.3, σ 0.5, 200 000 steps) with the coefficient
sampler of the variant, then scores the dictionary on the same 50 test patches with AIS
(`lsc eval loglik --patches 50 --seed 9 --steps 2000 --schedule sigmoid`, 16 chains) and reads
the Gabor fraction and the training time from the run's summary.json. Differences of log p(x)
are paired, patch by patch, against the first variant; the ± is their standard error over the
patches (the AIS's own Monte Carlo error is ≈ 0.02 nats; the training seed, --seed, moves a
score by more: docs/parameters.md). Prints a Markdown table. --jobs runs that many
single-threaded trainings at once (the times then include the sharing).
"""
import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

VARIANTS = {
    "euler": [],
    "euler+jumps": ["--dead-zone-jumps"],
    "mala": ["--sampler", "mala"],
    "mala+jumps": ["--sampler", "mala", "--dead-zone-jumps"],
    "euler 4x steps": ["--steps", "800000"],
}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lsc", default=os.path.join(root, "build", "lsc"))
    p.add_argument("--images", default=os.path.join(root, "..", "shared", "data", "bsds300", "images"))
    p.add_argument("--K", type=int, default=64)
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--seed", type=int, default=0, help="training seed (the test patches stay the same)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out", required=True, help="folder for the run folders and scores")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)

    def run(name):
        folder = os.path.join(a.out, f"K{a.K}_seed{a.seed}_" + name.replace(" ", "_").replace("+", "_"))
        if not os.path.exists(os.path.join(folder, "summary.json")):
            subprocess.run([a.lsc, "train", "--data", "images:" + os.path.join(a.images, "train"), "--patch", "8",
                            "--K", str(a.K), "--seed", str(a.seed), "--threads", "1", "--quiet", "--out", folder] +
                           VARIANTS[name],
                           check=True, stdout=subprocess.DEVNULL)
        scores = folder + ".loglik.json"
        if not os.path.exists(scores):
            subprocess.run([a.lsc, "eval", "loglik", "--model", folder, "--data",
                            "images:" + os.path.join(a.images, "test"), "--patches", "50", "--seed", "9", "--steps",
                            "2000", "--schedule", "sigmoid", "--threads", "1", "--quiet", "--out", scores],
                           check=True, stdout=subprocess.DEVNULL)
        summary = json.load(open(os.path.join(folder, "summary.json")))
        log_px = np.array(json.load(open(scores))["forward"]["log_px"])
        return name, summary, log_px

    with ThreadPoolExecutor(a.jobs) as pool:
        rows = list(pool.map(run, a.variants))
    base = rows[0][2]
    print(f"| K | sampler | log p(x), nats/patch | vs {rows[0][0]} (paired) | Gabor-like | training s |")
    print("|---|---|---:|---:|---:|---:|")
    for name, summary, log_px in rows:
        d = log_px - base
        se = d.std(ddof=1) / np.sqrt(len(d)) if np.any(d) else 0.0
        print(f"| {a.K} | {name} | {log_px.mean():.2f} | {d.mean():+.2f} ± {se:.2f} | "
              f"{summary['dictionary_quality']['gabor_fraction']:.2f} | {summary['elapsed_s']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
