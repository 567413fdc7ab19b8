#!/usr/bin/env python3
"""Plots of `lsc circuit` (docs/circuit.md): the coefficient voltages over time, against the
equations' own solution when the circuit ran without noise (the paper's Fig. 13), and the
histogram of each s when it sampled. Usage: plot_circuit.py OUT_DIR (reads voltages.csv)."""
import csv
import json
import os
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("plot_circuit.py: matplotlib is missing (apt-get install python3-matplotlib); the numbers are written", file=sys.stderr)
    sys.exit(2)


def main(directory):
    with open(os.path.join(directory, "voltages.csv")) as f:
        rows = list(csv.reader(f))
    header, data = rows[0], [[float(v) for v in r] for r in rows[1:]]
    column = {name: [r[i] for r in data] for i, name in enumerate(header)}
    with open(os.path.join(directory, "summary.json")) as f:
        summary = json.load(f)
    volts = summary.get("volts", 0.1)
    K = summary["K"]
    time_ms = [t * 1e3 for t in column["time_s"]]
    fig, ax = plt.subplots(figsize=(7, 4))
    for k in range(1, K + 1):
        line, = ax.plot(time_ms, [v / volts for v in column[f"s{k}_V"]], lw=1, label=f"s{k} circuit")
        if f"s{k}_equations" in column:
            ax.plot(time_ms, column[f"s{k}_equations"], ls="--", color=line.get_color(), lw=1.5, label=f"s{k} equations")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("s (V / volts per unit)")
    ax.set_title(f"{summary['prior']} prior, noise {summary['noise']}")
    if K <= 8:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(directory, "trajectories.png"), dpi=120)
    if summary["noise"] != "none":
        fig, axes = plt.subplots(1, K, figsize=(3 * K, 2.8), squeeze=False)
        for k in range(1, K + 1):
            axes[0][k - 1].hist([v / volts for v in column[f"s{k}_V"]], bins=60, density=True)
            axes[0][k - 1].set_xlabel(f"s{k}")
        fig.tight_layout()
        fig.savefig(os.path.join(directory, "histograms.png"), dpi=120)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(1)
    main(sys.argv[1])
