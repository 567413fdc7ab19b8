"""Quickstart: learn the bars dictionary with L0-LSC from Python, and look at what was learned.

    /usr/bin/python3 examples/quickstart.py [--out DIR] [--steps N]

About 20 s on one core (100 000 steps). Writes DIR/mosaic.png (the learned dictionary),
DIR/histogram.png (posterior samples of the coefficients against the prior, Fig. 5),
DIR/traces.png (π and the mean norm while learning, Fig. 4b) and the run folder DIR/run, which
`lsc infer --model DIR/run` accepts. Read it as a notebook: each block is one cell.
"""
import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")  # files only; in a notebook leave the backend alone

import lsc  # noqa: E402
from lsc import plotting  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--out", default="quickstart", help="folder for the PNGs and the run (default: ./quickstart)")
parser.add_argument("--steps", type=int, default=100_000, help="dictionary updates (default 100000)")
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
start = time.monotonic()

# %% The data: 8×8 images made of 16 one-pixel bars of unit norm, each active with π = 0.3
# (λ = 1, σ = 0.5; Fig. 3). X is (n_samples, 64); A_true is (16, 64), one bar per row.
X, S_true, A_true = lsc.generate_bars(20_000, seed=1)

# %% L0-LSC: Langevin samples of the coefficients under the spike-and-slab prior, while the
# dictionary and π learn from them (eq. 3.9-3.13). π starts at 0.5, away from the truth.
# One thread: the bars are small (batches of 200 chains), and a second thread only waits at
# OpenMP barriers on a busy machine. Results do not depend on the thread count.
est = lsc.LangevinDictionaryLearning(n_components=16, prior="l0", pi=0.5, learn_pi=True, steps=args.steps,
                                     random_state=0, threads=1)
est.fit(X)  # a progress bar in a terminal or notebook; Ctrl-C stops cleanly and keeps the model
best = lsc.best_abs_cosine(A_true, est.components_)
print(f"learned in {est.elapsed_s_:.1f} s: pi {est.pi_:.3f} (truth 0.3), mean |A_k| "
      f"{est.metrics_['mean_norm'][-1]:.3f} (truth 1), bars recovered (|cos| >= 0.95): "
      f"{sum(b >= 0.95 for b in best)} of 16, worst {min(best):.3f}")

# %% The dictionary: each element scaled to its own range, gray = 0.
ax = plotting.plot_dictionary(est, title=f"L0-LSC dictionary after {est.n_iter_} steps")
ax.figure.savefig(os.path.join(args.out, "mosaic.png"), dpi=100, bbox_inches="tight")

# %% The coefficients: 200 posterior samples of 1000 images against the prior they should follow.
samples = est.sample_posterior(X[:1000], n_samples=200)  # (200, 1000, 16)
ax = plotting.plot_coefficient_histogram(samples, est)
ax.figure.savefig(os.path.join(args.out, "histogram.png"), dpi=100, bbox_inches="tight")

# %% How π and the norms got there.
axes = plotting.plot_traces(est, keys=("pi", "mean_norm", "reconstruction_error"),
                            truth={"pi": 0.3, "mean_norm": 1.0})
axes[0].figure.savefig(os.path.join(args.out, "traces.png"), dpi=100, bbox_inches="tight")

# %% A run folder for the command line: lsc infer --model OUT/run --data X.npy ...
est.save_run(os.path.join(args.out, "run"))
print(f"wrote {args.out}/mosaic.png, histogram.png, traces.png and run/ in {time.monotonic() - start:.1f} s")
