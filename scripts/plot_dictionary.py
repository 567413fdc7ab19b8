#!/usr/bin/python3
"""Plot the dictionary quality written by `lsc eval dictionary RUN [--out DIR]`.

Usage: plot_dictionary.py DIR
Reads DIR/dictionary_quality.json and writes
  DIR/gabor_tiling.png     the Olshausen-Field tiling of the used Gabor-like elements (R^2 at least
                           the threshold): left, each element's centre and orientation as a line
                           segment along its stripes, ±sigma_y long; right, the frequency plane,
                           each element at its wave vector (direction theta and theta + pi, radius its
                           frequency in cycles/pixel)
  DIR/dictionary_norms.png the norms sorted, their histogram (log scale) with the used/unused
                           threshold, and the R^2 of the used elements with the Gabor threshold
Exits 2 with one sentence on stderr when matplotlib is missing, 1 when the input is missing or
malformed.
"""
import json
import math
import os
import sys

DPI = 120


def fail(message, status=1):
    sys.stderr.write(message + "\n")
    sys.exit(status)


def load(directory):
    path = os.path.join(directory, "dictionary_quality.json")
    try:
        with open(path) as f:
            q = json.load(f)
        elements = q["elements"]
        for key in ("K", "used", "bimodal", "norm_threshold", "r2_threshold", "gabor_fraction", "patch_rows",
                    "patch_cols"):
            if key not in q:
                raise KeyError(key)
        for e in elements:
            for key in ("norm", "used", "r2", "x0", "y0", "theta", "frequency", "sigma_y"):
                if key not in e:
                    raise KeyError(key)
        return q, elements
    except OSError as e:
        fail(f"plot_dictionary.py: cannot read {path} ({e.strerror}); run 'lsc eval dictionary RUN' first.")
    except (ValueError, KeyError, TypeError) as e:
        fail(f"plot_dictionary.py: {path} is malformed (missing or bad {e}); re-create it with 'lsc eval dictionary'.")


def tiling(plt, q, elements, directory):
    rows, cols, threshold = q["patch_rows"], q["patch_cols"], q["r2_threshold"]
    gabors = [e for e in elements if e["used"] and e["r2"] >= threshold]
    fig = plt.figure(figsize=(10, 4.8))
    ax = fig.add_subplot(1, 2, 1)
    ax.add_patch(plt.Rectangle((-0.5, -0.5), cols, rows, fill=False, color="0.6", lw=1))
    for e in gabors:
        # The stripes run along theta + pi/2 (x right, y = row downward, as in the image).
        dx = math.cos(e["theta"] + math.pi / 2) * e["sigma_y"]
        dy = math.sin(e["theta"] + math.pi / 2) * e["sigma_y"]
        ax.plot([e["x0"] - dx, e["x0"] + dx], [e["y0"] - dy, e["y0"] + dy], color="tab:blue", lw=1.2, alpha=0.8)
        ax.plot(e["x0"], e["y0"], ".", color="tab:blue", ms=3)
    margin = max(rows, cols) / 4
    ax.set_xlim(-0.5 - margin, cols - 0.5 + margin)
    ax.set_ylim(rows - 0.5 + margin, -0.5 - margin)  # rows downward, as the mosaic draws them
    ax.set_aspect("equal")
    ax.set_xlabel("x = column (pixels)")
    ax.set_ylabel("y = row (pixels)")
    ax.set_title(f"{len(gabors)} Gabor-like of {q['used']} used elements\n(segment: orientation, length 2 sigma along)",
                 fontsize=10)
    ax = fig.add_subplot(1, 2, 2, projection="polar")
    ax.set_theta_direction(-1)  # angles measured toward +y, which points down in the image
    for e in gabors:
        for t in (e["theta"], e["theta"] + math.pi):
            ax.plot(t, e["frequency"], "o", color="tab:blue", ms=3, alpha=0.8)
    ax.set_rlim(0, 0.5)
    ax.set_title("frequency plane: wave vector direction,\nradius spatial frequency (cycles/pixel)", fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(directory, "gabor_tiling.png"), dpi=DPI)
    plt.close(fig)


def norms(plt, q, elements, directory):
    order = sorted(elements, key=lambda e: -e["norm"])
    positive = [e["norm"] for e in elements if e["norm"] > 0]
    floor = min(positive) if positive else 1.0
    value = [max(e["norm"], floor) for e in order]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ax = axes[0]
    unused = [(i, v) for i, (e, v) in enumerate(zip(order, value)) if not e["used"]]
    if unused:
        ax.semilogy([i for i, _ in unused], [v for _, v in unused], ".", color="0.4", ms=4, label="unused")
    used = [(i, v) for i, (e, v) in enumerate(zip(order, value)) if e["used"]]
    ax.semilogy([i for i, _ in used], [v for _, v in used], ".", color="tab:blue", ms=4, label="used")
    if q["bimodal"]:
        ax.axhline(q["norm_threshold"], color="tab:red", ls="--", lw=1, label=f"threshold {q['norm_threshold']:.3g}")
    ax.set_xlabel("element, by decreasing norm")
    ax.set_ylabel("norm (as learned)")
    ax.set_title(f"used {q['used']}/{q['K']}, bimodal: {'yes' if q['bimodal'] else 'no'}", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[1]
    logs = [math.log10(v) for v in value]
    lo, hi = min(logs), max(logs)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    bins = [lo + (hi - lo) * i / 40 for i in range(41)]
    ax.hist(logs, bins=bins, color="0.5")
    if q["bimodal"]:
        ax.axvline(math.log10(q["norm_threshold"]), color="tab:red", ls="--", lw=1)
    ax.set_xlabel("log10 norm")
    ax.set_ylabel("elements")
    ax.set_title("norm histogram (threshold dashed)", fontsize=10)
    ax = axes[2]
    r2 = [e["r2"] for e in elements if e["used"]]
    ax.hist(r2, bins=[i / 40 for i in range(41)], color="tab:blue")
    ax.axvline(q["r2_threshold"], color="tab:red", ls="--", lw=1)
    ax.set_xlabel("R^2 of the Gabor fit (used elements)")
    ax.set_ylabel("elements")
    ax.set_title(f"Gabor-like: {100 * q['gabor_fraction']:.1f}% of the used", fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(directory, "dictionary_norms.png"), dpi=DPI)
    plt.close(fig)


def main(argv):
    if len(argv) != 2:
        fail("usage: plot_dictionary.py DIR (the folder of dictionary_quality.json)")
    directory = argv[1]
    q, elements = load(directory)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail(f"lsc: matplotlib is missing for {sys.executable}, so no plots were drawn (the numbers are in "
             f"{directory}); install python3-matplotlib.", 2)
    tiling(plt, q, elements, directory)
    norms(plt, q, elements, directory)


if __name__ == "__main__":
    main(sys.argv)
