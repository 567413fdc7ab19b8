#!/usr/bin/env python3
"""The open question of the Langevin paper's appendix (docs/circuit.md): does the L0-LSC circuit
still sample the posterior when its noise is not ideal white Gaussian noise?

Runs `lsc circuit` on the K = 2 case of ../shared/docs/science.md (L0 prior, λ = 1, π = 0.3,
σ = 0.5, smoothing δ = 0.01, T = 1) for each noise model, over the noise step or the correlation
time relative to τ_u, with several seeds per case (independent runs, two at a time), and compares
the sampled u with quadrature of the same smoothed posterior exp(−E_δ(u)):

  * P(s_k ≠ 0) and E[s_k], with the standard error from the spread over seeds (and the
    batch-means standard error of single runs beside it, to see whether that one is honest);
  * the whole distribution: KL(p̂ ‖ p) of the joint histogram of (u1, u2) on 6 × 6 cells of equal
    exact probability, with a jackknife-over-seeds standard error; its finite-sample bias is
    what the finest white-noise case shows.

Writes study.csv, study.md (the table for docs/circuit.md) and study_kl.png, study_moments.png,
study_marginals.png into --out. Usage:
  bench/circuit_noise_study.py [--duration TAU] [--seeds S] [--only NAME ...] [--out DIR] [--replot]
"""
import argparse
import concurrent.futures
import csv
import json
import math
import os
import subprocess
import sys

import numpy as np

A = np.array([[1.0, 0.0, 0.2], [0.6, 0.8, 0.1]])  # (K, D): the atoms as rows, as lsc reads A.npy
X = np.array([0.9, 0.7, 0.1])
SIGMA, LAMBDA, PI, DELTA = 0.5, 1.0, 0.3, 0.01
U0 = -math.log(PI) / LAMBDA
BURN_IN = 10  # tau_u
CELLS = 6  # per coordinate


def absd(u):
    return np.sqrt(u * u + DELTA) - math.sqrt(DELTA)


def sf(u):
    """s(u) of the circuit (src/circuit/inference_circuit.cpp): maxd(absd(u) − u0)."""
    z = absd(u) - U0
    return 0.5 * (z + np.sqrt(z * z + DELTA) - math.sqrt(DELTA))


class Exact:
    """The smoothed posterior p(u) ∝ exp(−E_δ(u)) on a grid (the tests' quadrature, in NumPy)."""

    def __init__(self, half_width=8.0, points=2001):
        g = np.linspace(-half_width, half_width, points)
        self.grid = g
        u1, u2 = np.meshgrid(g, g, indexing="ij")
        s1, s2 = sf(u1), sf(u2)
        r = X[None, None, :] - s1[..., None] * A[0] - s2[..., None] * A[1]
        energy = (r * r).sum(-1) / (2 * SIGMA**2) + LAMBDA * (absd(u1) + absd(u2))
        p = np.exp(-(energy - energy.min()))
        self.p = p / p.sum()
        self.moments = {"P(s1!=0)": self.p[np.abs(u1) > U0].sum(), "P(s2!=0)": self.p[np.abs(u2) > U0].sum(),
                        "E[s1]": (self.p * s1).sum(), "E[s2]": (self.p * s2).sum()}
        self.marginals = [self.p.sum(1), self.p.sum(0)]
        # Cell edges at the exact marginals' sextiles, so that every cell is well populated.
        self.edges = []
        for m in self.marginals:
            c = np.cumsum(m)
            inner = [g[np.searchsorted(c, q)] for q in np.arange(1, CELLS) / CELLS]
            self.edges.append(np.array([-np.inf] + inner + [np.inf]))
        i1 = np.searchsorted(self.edges[0], g, side="right") - 1
        i2 = np.searchsorted(self.edges[1], g, side="right") - 1
        self.cells = np.zeros((CELLS, CELLS))
        np.add.at(self.cells, (i1[:, None].repeat(len(g), 1), i2[None, :].repeat(len(g), 0)), self.p)

    def counts(self, u):
        h, _, _ = np.histogram2d(u[:, 0], u[:, 1], bins=self.edges)
        return h

    def kl(self, counts):
        q = counts / counts.sum()
        nz = q > 0
        return float((q[nz] * np.log(q[nz] / self.cells[nz])).sum())


def batch_se(values, batches=20):
    n = len(values) // batches
    means = values[: n * batches].reshape(batches, n).mean(1)
    return means.std(ddof=1) / math.sqrt(batches)


def cases():
    c = [(f"white_step{s}", "white", s, 0) for s in (0.0025, 0.01, 0.04, 0.16)]
    c += [(f"{n}_step{s}", n, s, 0) for n in ("uniform", "two_level") for s in (0.01, 0.04, 0.16)]
    # Telegraph: the noise step only bounds the simulator's step (a twentieth of the dwell).
    c += [(f"telegraph_dwell{d}", "telegraph", d / 20, d) for d in (0.04, 0.16, 0.64, 2.5)]
    # Pink: 1/f from the noise step up to the longest correlation time tau_c.
    c += [(f"pink_corr{t}", "pink", 0.01, t) for t in (0.1, 1, 10, 100)]
    return c


def simulate(case, seed, lsc, out, duration):
    name, noise, step, correlation = case
    folder = os.path.join(out, name, f"seed{seed}")
    if not os.path.exists(os.path.join(folder, "summary.json")):
        cmd = [lsc, "circuit", "--dictionary", os.path.join(out, "A.npy"), "--prior", "l0", "--pi", str(PI),
               "--lambda", str(LAMBDA), "--sigma", str(SIGMA), "--data", os.path.join(out, "x.npy"), "--noise", noise,
               "--noise-step", str(step), "--duration", str(duration), "--burn-in", str(BURN_IN), "--seed", str(seed),
               "--smoothing", str(DELTA), "--no-plots", "--out", folder]
        if correlation:
            cmd += ["--correlation", str(correlation)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return case, seed, folder


def load(folder):
    with open(os.path.join(folder, "summary.json")) as f:
        summary = json.load(f)
    v = np.loadtxt(os.path.join(folder, "voltages.csv"), delimiter=",", skiprows=1)
    v = v[v[:, 0] >= BURN_IN * summary["tau_u_s"]]
    return v[:, 1:3] / summary["volts"], summary["wall_s"]


def analyse(exact, runs):
    """Moments and KL of one case from its seeds' u samples."""
    series = lambda u: {"P(s1!=0)": (np.abs(u[:, 0]) > U0).astype(float), "P(s2!=0)": (np.abs(u[:, 1]) > U0).astype(float),
                        "E[s1]": sf(u[:, 0]), "E[s2]": sf(u[:, 1])}
    per_seed = [series(u) for u, _ in runs]
    row = {}
    S = len(runs)
    for k in exact.moments:
        means = np.array([s[k].mean() for s in per_seed])
        se = means.std(ddof=1) / math.sqrt(S) if S > 1 else float("nan")
        bm = math.sqrt(sum(batch_se(s[k]) ** 2 for s in per_seed)) / S
        row[k] = (means.mean(), se, bm)
    counts = [exact.counts(u) for u, _ in runs]
    total = sum(counts)
    kl = exact.kl(total)
    jack = np.array([exact.kl(total - c) for c in counts])
    kl_se = math.sqrt((S - 1) / S * ((jack - jack.mean()) ** 2).sum()) if S > 1 else float("nan")
    row["KL"] = (kl, kl_se)
    row["wall"] = sum(w for _, w in runs) / S
    row["samples"] = sum(len(u) for u, _ in runs)
    return row


def plots(out, exact, results, runs_of):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("circuit_noise_study.py: matplotlib is missing (apt-get install python3-matplotlib); no plots", file=sys.stderr)
        return
    colors = {"white": "k", "uniform": "tab:blue", "two_level": "tab:green", "telegraph": "tab:red", "pink": "tab:purple"}
    by_model = {}
    for (name, noise, step, corr), row in results:
        by_model.setdefault(noise, []).append((corr or step, row))
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for noise, rows in by_model.items():
        x = [r[0] for r in rows]
        ax.errorbar(x, [r[1]["KL"][0] for r in rows], yerr=[r[1]["KL"][1] for r in rows], marker="o", capsize=3,
                    color=colors[noise], label=noise)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("noise step (white-like) or correlation time (telegraph dwell, pink tau_c), in tau_u")
    ax.set_ylabel("KL(circuit || exact posterior), 6x6 cells")
    ax.set_title("K = 2 L0 circuit: distance of the sampled u from the posterior")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "study_kl.png"), dpi=120)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, key in zip(axes, ("P(s1!=0)", "P(s2!=0)")):
        for noise, rows in by_model.items():
            ax.errorbar([r[0] for r in rows], [r[1][key][0] for r in rows], yerr=[r[1][key][1] for r in rows], marker="o",
                        capsize=3, color=colors[noise], label=noise)
        ax.axhline(exact.moments[key], color="0.5", ls="--", label="quadrature")
        ax.set_xscale("log")
        ax.set_xlabel("noise step or correlation time (tau_u)")
        ax.set_title(key)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "study_moments.png"), dpi=120)
    shown = [n for n in ("white_step0.01", "two_level_step0.16", "telegraph_dwell2.5", "pink_corr100") if n in runs_of]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    g = exact.grid
    for k, ax in enumerate(axes):
        width = g[1] - g[0]
        ax.plot(g, exact.marginals[k] / width, color="0.3", lw=2, label="exact (quadrature)")
        for name in shown:
            u = np.concatenate([r[0][:, k] for r in runs_of[name]])
            ax.hist(u, bins=120, range=(-5, 5), density=True, histtype="step", label=name)
        ax.axvspan(-U0, U0, color="0.9")
        ax.set_xlim(-5, 5)
        ax.set_xlabel(f"u{k + 1} (shaded: the dead zone, s = 0)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "study_marginals.png"), dpi=120)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=1000, help="simulated time per run, in units of tau_u")
    p.add_argument("--seeds", type=int, default=4, help="independent runs per case")
    p.add_argument("--seed", type=int, default=21, help="the first seed")
    p.add_argument("--out", default="results/circuit_noise")
    p.add_argument("--only", nargs="*", help="run only the cases whose names contain one of these, e.g. white_step0.01")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--lsc", default=os.path.join(os.path.dirname(__file__), "..", "build", "lsc"))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "A.npy"), A)
    np.save(os.path.join(a.out, "x.npy"), X[None, :])
    exact = Exact()
    todo = [c for c in cases() if not a.only or any(o in c[0] for o in a.only)]
    print(f"K = 2 L0 case, {a.seeds} x {a.duration:g} tau_u per case; quadrature: " +
          ", ".join(f"{k} {v:.4f}" for k, v in exact.moments.items()), flush=True)
    jobs = [(c, a.seed + i) for c in todo for i in range(a.seeds)]
    folders = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.workers) as pool:
        for case, seed, folder in pool.map(lambda j: simulate(j[0], j[1], a.lsc, a.out, a.duration), jobs):
            folders.setdefault(case, []).append(folder)
            print(f"  {case[0]} seed {seed} done", file=sys.stderr, flush=True)
    results, runs_of = [], {}
    for case in todo:
        runs = [load(f) for f in folders[case]]
        runs_of[case[0]] = runs
        results.append((case, analyse(exact, runs)))
    keys = list(exact.moments)
    lines = ["| noise | step or correlation (τ_u) | " + " | ".join(keys) + " | KL (6×6 cells) | wall s per run |",
             "| --- | --- | " + " | ".join("---" for _ in keys) + " | --- | --- |"]
    with open(os.path.join(a.out, "study.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "noise", "step_tau", "correlation_tau"] +
                   [f"{k}{s}" for k in keys for s in ("", "_se_seeds", "_se_batch")] + ["KL", "KL_se", "wall_s", "samples"])
        for (name, noise, step, corr), row in results:
            w.writerow([name, noise, step, corr] + [v for k in keys for v in row[k]] +
                       [row["KL"][0], row["KL"][1], row["wall"], row["samples"]])
            cells = []
            for k in keys:
                m, se, bm = row[k]
                cells.append(f"{m:.3f} ± {se:.3f} ({(m - exact.moments[k]) / se:+.1f})")
            lines.append(f"| {noise} | {corr or step:g} | " + " | ".join(cells) +
                         f" | {row['KL'][0]:.4f} ± {row['KL'][1]:.4f} | {row['wall']:.0f} |")
    ratio = np.mean([row[k][1] / row[k][2] for _, row in results for k in keys if row[k][2] > 0])
    lines.append("")
    lines.append(f"quadrature: " + ", ".join(f"{k} {v:.4f}" for k, v in exact.moments.items()) +
                 f"; mean ratio of the seeds' SE to the batch-means SE: {ratio:.2f}")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(a.out, "study.md"), "w") as f:
        f.write(text + "\n")
    plots(a.out, exact, results, runs_of)


if __name__ == "__main__":
    sys.exit(main())
