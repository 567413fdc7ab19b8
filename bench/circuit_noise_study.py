#!/usr/bin/env python3
"""The open question of the Langevin paper's appendix (docs/circuit.md): does the L0-LSC circuit
still sample the posterior when its noise is not ideal white Gaussian noise?

Runs `lsc circuit` on the K = 2 case of ../shared/docs/science.md (L0 prior, λ = 1, π = 0.3,
σ = 0.5, smoothing δ = 0.01) for each noise model at the same low-frequency power, over noise
steps or correlation times relative to τ_u, two simulations at a time, and prints P(s_k ≠ 0)
and E[s_k] with batch-means standard errors against quadrature of the same smoothed posterior
(tests/circuit/test_inference_circuit.cpp computes those). Usage:
  bench/circuit_noise_study.py [--duration TAU] [--seed S] [--only NAME ...] [--out DIR]
"""
import argparse
import concurrent.futures
import csv
import json
import math
import os
import struct
import subprocess
import sys

EXACT = {"P(s1!=0)": 0.40958, "P(s2!=0)": 0.62716, "E[s1]": 0.21537, "E[s2]": 0.49957}  # quadrature, δ = 0.01
U0 = -math.log(0.3)


def write_npy(path, shape, values):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%s), }" % (", ".join(map(str, shape)) + ("," if len(shape) == 1 else ""))
    header += " " * (16 - (10 + len(header) + 1) % 16) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + struct.pack("<%dd" % len(values), *values))


def batch_mean(values, batches=20):
    n = len(values) // batches
    means = [sum(values[b * n:(b + 1) * n]) / n for b in range(batches)]
    m = sum(means) / batches
    return m, math.sqrt(sum((x - m) ** 2 for x in means) / (batches - 1) / batches)


def run(case, lsc, out, duration, seed):
    name, noise, step, correlation = case
    folder = os.path.join(out, name)
    cmd = [lsc, "circuit", "--dictionary", os.path.join(out, "A.npy"), "--prior", "l0", "--pi", "0.3", "--lambda", "1",
           "--sigma", "0.5", "--data", os.path.join(out, "x.npy"), "--noise", noise, "--noise-step", str(step),
           "--duration", str(duration), "--burn-in", "10", "--seed", str(seed), "--no-plots", "--out", folder]
    if correlation:
        cmd += ["--correlation", str(correlation)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(folder, "voltages.csv")) as f:
        rows = list(csv.reader(f))[1:]
    with open(os.path.join(folder, "summary.json")) as f:
        summary = json.load(f)
    volts, tau = summary["volts"], summary["tau_u_s"]
    rows = [[float(v) for v in r] for r in rows if float(r[0]) >= 10 * tau]
    series = {
        "P(s1!=0)": [float(abs(r[1] / volts) > U0) for r in rows],
        "P(s2!=0)": [float(abs(r[2] / volts) > U0) for r in rows],
        "E[s1]": [r[3] / volts for r in rows],
        "E[s2]": [r[4] / volts for r in rows],
    }
    return case, {k: batch_mean(v) for k, v in series.items()}, summary["wall_s"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=1000, help="simulated time per case, in units of tau_u")
    p.add_argument("--out", default="results/circuit_noise")
    p.add_argument("--only", nargs="*", help="run only the cases whose names contain one of these, e.g. white_step0.01")
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--lsc", default=os.path.join(os.path.dirname(__file__), "..", "build", "lsc"))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    write_npy(os.path.join(a.out, "A.npy"), (2, 3), [1.0, 0.0, 0.2, 0.6, 0.8, 0.1])
    write_npy(os.path.join(a.out, "x.npy"), (1, 3), [0.9, 0.7, 0.1])
    cases = [(f"white_step{s}", "white", s, 0) for s in (0.0025, 0.01, 0.04, 0.16)]
    cases += [(f"{n}_step{s}", n, s, 0) for n in ("uniform", "two_level") for s in (0.01, 0.04, 0.16)]
    # Telegraph: the noise step only bounds the simulator's step (a twentieth of the dwell).
    cases += [(f"telegraph_dwell{d}", "telegraph", d / 20, d) for d in (0.04, 0.16, 0.64, 2.5)]
    if a.only:
        cases = [c for c in cases if any(o in c[0] for o in a.only)]
    print(f"K = 2 L0 case, {a.duration:g} tau_u per case; quadrature: " + ", ".join(f"{k} {v}" for k, v in EXACT.items()))
    print("| noise | step or dwell (tau_u) | " + " | ".join(EXACT) + " | wall s |")
    print("| --- | --- | " + " | ".join("---" for _ in EXACT) + " | --- |")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for case, stats, wall in pool.map(lambda c: run(c, a.lsc, a.out, a.duration, a.seed), cases):
            name, noise, step, correlation = case
            cells = []
            for k in EXACT:
                m, se = stats[k]
                off = (m - EXACT[k]) / se if se > 0 else float("inf")
                cells.append(f"{m:.3f} ± {se:.3f} ({off:+.1f} se)")
            print(f"| {noise} | {correlation or step:g} | " + " | ".join(cells) + f" | {wall:.0f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
