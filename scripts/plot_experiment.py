#!/usr/bin/python3
"""Plot the CSVs written by `lsc experiment NAME --out DIR` (Fang et al. 2022, Figs. 4-10).

Usage: plot_experiment.py NAME DIR   with NAME in fig4a, fig4b, fig5, fig10, fig6-fig9, all.
Reads DIR/<csv files> and writes DIR/<png files>. Exits 1 with a one-line message on stderr
if an input is missing or malformed.
"""
import csv
import json
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

DPI = 120
TEXT_COLUMNS = {"method", "dictionary", "prior"}  # every other column must be numeric
METHOD_LABEL = {"dsc": "DSC", "lca": "LCA", "lsc": "L0-LSC"}
METHOD_STYLE = {"dsc": ("-", "o"), "lca": ("--", "s"), "lsc": (":", "^")}
PI_COLOR = {0.3: "tab:blue", 0.1: "tab:red"}
STEP_LABEL = "training step (steps)"


class PlotError(Exception):
    pass


def read_csv(path, required_columns):
    """Read a CSV into {column: list}; check the columns, convert non-text columns to float."""
    if not os.path.isfile(path):
        raise PlotError(f"missing CSV file: {path}")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise PlotError(f"{path}: empty file (no header)")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in required_columns if c not in header]
    if missing:
        raise PlotError(f"{path}: missing column(s) {', '.join(missing)} (header: {','.join(header)})")
    data = {c: [] for c in required_columns}
    for lineno, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise PlotError(f"{path}:{lineno}: expected {len(header)} fields, got {len(row)}")
        for c in required_columns:
            cell = row[header.index(c)].strip()
            if c in TEXT_COLUMNS:
                data[c].append(cell.lower())
                continue
            try:
                data[c].append(float(cell))
            except ValueError:
                raise PlotError(f"{path}:{lineno}: column {c}: not a number: {cell!r}") from None
    if not data[required_columns[0]]:
        raise PlotError(f"{path}: no data rows")
    return {c: (v if c in TEXT_COLUMNS else np.array(v)) for c, v in data.items()}


def read_summary(directory, keys):
    path = os.path.join(directory, "summary.json")
    if not os.path.isfile(path):
        raise PlotError(f"missing file: {path}")
    try:
        with open(path) as f:
            summary = json.load(f)
        return {k: float(summary[k]) for k in keys}
    except (ValueError, KeyError, TypeError) as e:
        raise PlotError(f"{path}: malformed or missing key ({e})") from None


def save(fig, directory, name, rect=(0, 0, 1, 1)):
    fig.tight_layout(rect=rect)
    path = os.path.join(directory, name)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    print(f"wrote {path}")


def pi_color(pi, _cycle={}):
    key = round(pi, 6)
    if key in PI_COLOR:
        return PI_COLOR[key]
    return _cycle.setdefault(key, f"C{2 + len(_cycle)}")


def true_pi_lines(ax, pis):
    for pi in sorted(set(pis), reverse=True):
        ax.axhline(pi, color=pi_color(pi), ls=":", lw=1.5, label=f"true π = {pi:g}")


def fig4a(directory):
    d = read_csv(os.path.join(directory, "fig4a_sweep.csv"),
                 ["method", "pi_data", "lambda", "active_fraction", "active_p10", "active_p90"])
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    groups = sorted({(m, p) for m, p in zip(d["method"], d["pi_data"])}, key=lambda g: (g[0], -g[1]))
    for method, pi in groups:
        idx = [i for i, (m, p) in enumerate(zip(d["method"], d["pi_data"])) if m == method and p == pi]
        idx.sort(key=lambda i: d["lambda"][i])
        lam, frac = d["lambda"][idx], d["active_fraction"][idx]
        yerr = np.clip([frac - d["active_p10"][idx], d["active_p90"][idx] - frac], 0, None)
        ls, marker = METHOD_STYLE.get(method, ("-.", "D"))
        ax.errorbar(lam, frac, yerr=yerr, color=pi_color(pi), ls=ls, marker=marker, ms=5, capsize=3,
                    label=f"{METHOD_LABEL.get(method, method)}, data π = {pi:g}")
    true_pi_lines(ax, d["pi_data"])
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("sparsity penalty λ (dimensionless)")
    ax.set_ylabel("fraction of nonzero coefficients (dimensionless)")
    ax.set_title("L0 sparsity vs λ for DSC and LCA\n(error bars: 10th-90th percentile over batches of 128)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, directory, "fig4a.png")


def fig4b(directory):
    d = read_csv(os.path.join(directory, "fig4b_pi.csv"), ["step", "pi_data", "pi"])
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for pi in sorted(set(d["pi_data"]), reverse=True):
        mask = d["pi_data"] == pi
        order = np.argsort(d["step"][mask])
        ax.plot(d["step"][mask][order], d["pi"][mask][order], color=pi_color(pi), lw=1.5,
                label=f"learned π(t), data π = {pi:g}")
    true_pi_lines(ax, d["pi_data"])
    ax.set_ylim(0, 0.55)
    ax.set_xlabel(STEP_LABEL)
    ax.set_ylabel("activation probability π (dimensionless)")
    ax.set_title("L0-LSC learns the activation probability π")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, directory, "fig4b.png")


def fig5(directory):
    h = read_csv(os.path.join(directory, "fig5_histogram.csv"),
                 ["dictionary", "method", "bin_lo", "bin_hi", "density", "prior_density"])
    s = read_csv(os.path.join(directory, "fig5_summary.csv"), ["dictionary", "method", "zero_fraction", "kl"])
    summary = {(dic, m): (z, kl) for dic, m, z, kl in zip(s["dictionary"], s["method"], s["zero_fraction"], s["kl"])}
    rows = [("dsc", "DSC (MAP)"), ("lca", "LCA (MAP)"), ("lsc", "L0-LSC (samples)")]
    cols = [("random", "random dictionary"), ("learned", "learned dictionary")]
    fig, axes = plt.subplots(3, 2, figsize=(11, 10.5), sharex=True, sharey=True)
    for r, (method, row_title) in enumerate(rows):
        for c, (dic, col_title) in enumerate(cols):
            ax = axes[r, c]
            ax.set_title(f"{row_title}, {col_title}", fontsize=11)
            idx = [i for i, (dd, m) in enumerate(zip(h["dictionary"], h["method"])) if dd == dic and m == method]
            if not idx:
                ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color="gray")
                continue
            idx.sort(key=lambda i: h["bin_lo"][i])
            lo, hi, dens, prior = (h[k][idx] for k in ("bin_lo", "bin_hi", "density", "prior_density"))
            pos = dens > 0
            ax.bar(lo[pos], dens[pos], width=(hi - lo)[pos], align="edge", color="tab:gray", alpha=0.55,
                   edgecolor="black", lw=0.4, label="empirical (nonzero coefficients)")
            ppos = prior > 0
            ax.plot(((lo + hi) / 2)[ppos], prior[ppos], "r:", lw=2, label="prior (slab) λe$^{-λs}$")
            if (dic, method) in summary:
                z, kl = summary[(dic, method)]
                ax.text(0.97, 0.95, f"zeros: {z:.2f}, KL: {kl:.3f} nats", transform=ax.transAxes,
                        ha="right", va="top", fontsize=9,
                        bbox=dict(boxstyle="round", facecolor="white", alpha=0.85, edgecolor="0.7"))
            ax.set_yscale("log")
            ax.grid(True, which="major", alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("coefficient value s (dimensionless)")
    for ax in axes[:, 0]:
        ax.set_ylabel("density (per unit s)")
    fig.suptitle("Distribution of nonzero coefficients vs the prior", fontsize=13, y=0.995)
    handles, labels = axes[-1, -1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.97), ncol=2, fontsize=10)
    save(fig, directory, "fig5.png", rect=(0, 0, 1, 0.95))


def fig10(directory):
    d = read_csv(os.path.join(directory, "fig10_kl.csv"), ["method", "step", "kl"])
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    methods = sorted(set(d["method"]), key=lambda m: (list(METHOD_LABEL).index(m) if m in METHOD_LABEL else 9, m))
    for method in methods:
        idx = sorted((i for i, m in enumerate(d["method"]) if m == method), key=lambda i: d["step"][i])
        ls, marker = METHOD_STYLE.get(method, ("-.", "D"))
        # DSC and LCA make one dictionary update per converged MAP solve, LSC one per time step:
        # their step counts differ by 100×, so each curve runs over its own training length.
        steps = d["step"][idx]
        ax.plot(steps / steps.max(), d["kl"][idx], ls=ls, marker=marker, ms=4, lw=1.5,
                label="%s (%d steps)" % (METHOD_LABEL.get(method, method), steps.max()))
    ax.set_ylim(bottom=0)
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("fraction of training (dictionary updates / total)")
    ax.set_ylabel("KL(prior ‖ empirical) (nats)")
    ax.set_title("Mismatch between coefficient distribution and prior during training")
    ax.grid(True, alpha=0.3)
    ax.legend()
    save(fig, directory, "fig10.png")


def plot_norms(ax, path, true_norm):
    """Each element's norm vs step; returns K."""
    d = read_csv(path, ["step", "element", "norm"])
    series = defaultdict(list)
    for step, element, norm in zip(d["step"], d["element"], d["norm"]):
        series[int(element)].append((step, norm))
    color = {True: "tab:blue", False: "tab:orange"}  # final norm >= half the true norm?
    counts = {True: 0, False: 0}
    for element in sorted(series):
        steps, norms = np.array(sorted(series[element])).T
        kept = bool(norms[-1] >= 0.5 * true_norm)
        counts[kept] += 1
        ax.plot(steps, norms, lw=0.9, alpha=0.8, color=color[kept])
    ax.axhline(true_norm, color="black", ls=":", lw=1.5)
    handles = [Line2D([], [], color=color[True], lw=1.5), Line2D([], [], color=color[False], lw=1.5),
               Line2D([], [], color="black", ls=":", lw=1.5)]
    labels = [f"final norm ≥ ½ true norm ({counts[True]} elements)",
              f"final norm < ½ true norm ({counts[False]} elements)", f"true element norm = {true_norm:.3g}"]
    ax.legend(handles, labels, fontsize=8, loc="best")
    ax.set_ylim(bottom=0)
    ax.set_xlabel(STEP_LABEL)
    ax.set_ylabel("dictionary element norm ‖A$_i$‖ (dimensionless)")
    ax.grid(True, alpha=0.3)
    return len(series)


def fig6(directory):
    summary = read_summary(directory, ["true_norm", "pi_model", "pi_data"])
    equal = os.path.join(directory, "fig6_equal_pi_norms.csv")
    fig, axes = plt.subplots(1, 2 if os.path.exists(equal) else 1, figsize=(12.8, 4.8), squeeze=False)
    k = plot_norms(axes[0, 0], os.path.join(directory, "fig6_norms.csv"), summary["true_norm"])
    axes[0, 0].set_title(f"model π {summary['pi_model']:g}, data π {summary['pi_data']:g} "
                         f"(the authors' settings, K = {k})")
    if os.path.exists(equal):
        k = plot_norms(axes[0, 1], equal, summary["true_norm"])
        axes[0, 1].set_title(f"model π = data π = 0.3 (K = {k}, MALA)")
    fig.suptitle("Dictionary size learned through the norms (π fixed, no normalization)")
    save(fig, directory, "fig6_norms.png")


def fig7(directory):
    summary = read_summary(directory, ["true_norm", "pi_data"])
    pi_data = summary["pi_data"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.8, 4.8))
    k = plot_norms(left, os.path.join(directory, "fig7_norms.csv"), summary["true_norm"])
    left.set_title(f"Dictionary norms (K = {k}, π learned)")
    d = read_csv(os.path.join(directory, "fig7_pi.csv"), ["step", "pi"])
    order = np.argsort(d["step"])
    right.plot(d["step"][order], d["pi"][order], color="tab:green", lw=1.5, label="learned π(t)")
    right.axhline(pi_data, color="tab:blue", ls=":", lw=1.5, label=f"data π = {pi_data:g}")
    right.axhline(pi_data / 2, color="tab:red", ls=":", lw=1.5, label=f"data π / 2 = {pi_data / 2:g}")
    top = max(np.nanmax(d["pi"]) if np.isfinite(d["pi"]).any() else 0, pi_data)
    right.set_ylim(0, 1.15 * top if top > 0 else 1)
    right.set_xlabel(STEP_LABEL)
    right.set_ylabel("activation probability π (dimensionless)")
    right.set_title("Activation probability π(t)")
    right.grid(True, alpha=0.3)
    right.legend(fontsize=8)
    fig.suptitle("L0-LSC learning dictionary size and π together: duplicated elements, halved activity")
    save(fig, directory, "fig7.png")


def fig8(directory):
    threshold = read_summary(directory, ["used_threshold"])["used_threshold"]
    with open(os.path.join(directory, "summary.json")) as f:
        used = json.load(f).get("used_fraction", float("nan"))
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.8, 4.8))
    d = read_csv(os.path.join(directory, "fig8_norms_sorted.csv"), ["rank", "norm"])
    left.plot(d["rank"], d["norm"], "o-", ms=2.5, lw=1, color="tab:blue", label="final norms, sorted")
    if threshold > 0:
        left.axhline(threshold, color="tab:red", ls=":", lw=1.5,
                     label=f"used threshold {threshold:.3g} (a real gap of the norms): {used:.0%} used")
    else:
        left.plot([], [], " ", label="no gap in the norms: every element counts as used")
    left.set_xlabel("element rank (largest norm first)")
    left.set_ylabel("dictionary element norm ‖A$_i$‖ (whitened pixel units)")
    left.set_title(f"Sorted norms, K = {len(d['rank'])}, π fixed at 0.5")
    left.set_ylim(bottom=0)
    left.grid(True, alpha=0.3)
    left.legend(fontsize=8)
    t = read_csv(os.path.join(directory, "fig8_norms.csv"), ["step", "element", "norm"])
    final = {}
    series = defaultdict(list)
    for step, element, norm in zip(t["step"], t["element"], t["norm"]):
        series[int(element)].append((step, norm))
    for element, points in series.items():
        steps, norms = np.array(sorted(points)).T
        final[element] = norms[-1]
        right.plot(steps, norms, lw=0.5, alpha=0.5, color="tab:blue" if norms[-1] >= threshold else "tab:orange")
    if threshold > 0:
        right.axhline(threshold, color="tab:red", ls=":", lw=1.5)
    right.set_xlabel(STEP_LABEL)
    right.set_ylabel("dictionary element norm ‖A$_i$‖ (whitened pixel units)")
    right.set_title("Norms during training (blue: used at the end)")
    right.grid(True, alpha=0.3)
    fig.suptitle("L0-LSC on whitened natural-image patches: the norms decide how many elements are used")
    save(fig, directory, "fig8_norms.png")


def fig9(directory):
    d = read_csv(os.path.join(directory, "fig9_points.csv"),
                 ["overcompleteness", "K", "pi", "pi_p10", "pi_p90", "pi_times_K"])
    omega = d["overcompleteness"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.8, 4.8))
    err = [d["pi"] - d["pi_p10"], d["pi_p90"] - d["pi"]]
    left.errorbar(omega, d["pi"], yerr=err, fmt="o", capsize=4, color="tab:blue", label="learned π (10-90 % range)")
    grid = np.linspace(0.8, max(omega) + 0.2, 100)
    c = np.exp(np.mean(np.log(d["pi"] * omega)))
    left.plot(grid, c / grid, "--", color="tab:gray", label=f"π = {c:.3g} / Ω")
    left.set_xlabel("overcompleteness Ω = K / D")
    left.set_ylabel("activation probability π (dimensionless)")
    left.set_title("π against overcompleteness")
    left.set_ylim(bottom=0)
    left.grid(True, alpha=0.3)
    left.legend(fontsize=8)
    K = d["K"]
    right.errorbar(omega, d["pi_times_K"], yerr=[err[0] * K, err[1] * K], fmt="o", capsize=4, color="tab:green",
                   label="π·K (expected active elements per patch)")
    right.set_xlabel("overcompleteness Ω = K / D")
    right.set_ylabel("π·K (elements per patch)")
    right.set_title("Expected number of active elements")
    right.set_ylim(0, 1.3 * float(np.max(d["pi_p90"] * K)))
    right.grid(True, alpha=0.3)
    right.legend(fontsize=8)
    fig.suptitle("L0-LSC learning π on whitened natural-image patches at K = 64-256")
    save(fig, directory, "fig9.png")
    t = read_csv(os.path.join(directory, "fig9_pi.csv"), ["overcompleteness", "step", "pi"])
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for o in sorted(set(t["overcompleteness"])):
        sel = t["overcompleteness"] == o
        order = np.argsort(t["step"][sel])
        ax.plot(t["step"][sel][order], t["pi"][sel][order], lw=1.2, label=f"Ω = {o:g}")
    ax.set_xlabel(STEP_LABEL)
    ax.set_ylabel("activation probability π (dimensionless)")
    ax.set_title("π(t) learned from 0.5")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, directory, "fig9_pi.png")


def table1(directory):
    d = read_csv(os.path.join(directory, "table1.csv"),
                 ["method", "prior", "loglik", "stderr", "paper", "train_s", "eval_s"])
    labels = [f"{m}\n{p}" for m, p in zip(d["method"], d["prior"])]
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(9.6, 4.8))
    ax.errorbar(x, d["loglik"], yerr=d["stderr"], fmt="o", capsize=4, color="tab:blue", label="lsc (AIS, ± SE over patches)")
    has_paper = np.isfinite(d["paper"])
    ax.plot(x[has_paper], d["paper"][has_paper], "x", ms=8, color="tab:red", label="SVAE paper, Table 1")
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylabel("test log-likelihood (nats per patch)")
    ax.set_title("Every method on one scale: AIS log-likelihood of held-out 12×12 PCA-whitened patches")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, directory, "table1.png")


FIGURES = {  # NAME -> (function, CSV files it reads)
    "fig4a": (fig4a, ["fig4a_sweep.csv"]),
    "fig4b": (fig4b, ["fig4b_pi.csv"]),
    "fig5": (fig5, ["fig5_histogram.csv", "fig5_summary.csv"]),
    "fig10": (fig10, ["fig10_kl.csv"]),
    "fig6": (fig6, ["fig6_norms.csv"]),
    "fig7": (fig7, ["fig7_norms.csv", "fig7_pi.csv"]),
    "fig8": (fig8, ["fig8_norms_sorted.csv", "fig8_norms.csv"]),
    "fig9": (fig9, ["fig9_points.csv", "fig9_pi.csv"]),
    "table1": (table1, ["table1.csv"]),
}


def main(argv):
    if len(argv) != 3 or (argv[1] not in FIGURES and argv[1] != "all"):
        raise PlotError(f"usage: plot_experiment.py {{{'|'.join(list(FIGURES) + ['all'])}}} DIR")
    name, directory = argv[1], argv[2]
    if not os.path.isdir(directory):
        raise PlotError(f"not a directory: {directory}")
    if name != "all":
        FIGURES[name][0](directory)
        return
    todo = [n for n, (_, files) in FIGURES.items()
            if any(os.path.isfile(os.path.join(directory, f)) for f in files)]
    if not todo:
        raise PlotError(f"no experiment CSV files found in {directory}")
    for n in todo:
        FIGURES[n][0](directory)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except PlotError as e:
        print(f"plot_experiment.py: {e}", file=sys.stderr)
        sys.exit(1)
