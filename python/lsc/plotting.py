"""Plotting helpers (matplotlib): the dictionary mosaic, coefficients against the prior, and the
traces of π, the norms and the other metrics of a run.

Every helper draws into `ax` (or new axes) and returns the axes, so figures compose and are
saved with ax.figure.savefig(...). Anything that holds the object is accepted: an array, an
lsc.Run, a fitted estimator, an lsc.Model, or a run folder path.
"""
import math
import os

import numpy as np

from . import _lsc
from .runs import Run, load_run, read_metrics

__all__ = ["plot_dictionary", "plot_coefficient_histogram", "plot_traces"]


def _axes(ax, figsize):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize).add_subplot()


def _components_of(obj):
    if isinstance(obj, (str, os.PathLike)):
        obj = load_run(obj)
    for name in ("components_", "components"):
        value = getattr(obj, name, None)
        if value is not None:
            return np.asarray(value)
    return np.asarray(obj, dtype=float)


def _prior_of(obj):
    if isinstance(obj, _lsc.Prior):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        obj = load_run(obj)
    if isinstance(obj, (Run, _lsc.Model)):
        return obj.prior
    model = getattr(obj, "model_", None)
    if model is not None:
        return model.prior
    raise TypeError(f"prior must be an lsc.Prior, Model, Run, fitted estimator or run folder; got {type(obj).__name__}.")


def plot_dictionary(components, ax=None, *, sort_by_norm=False, ncols=None, title=None, cmap="gray"):
    """The dictionary as a mosaic, one tile per element (row of the (K, D) components).

    Square D gives √D×√D patches, any other D a row per element. Each element is scaled to its
    own largest |value| with gray at 0, as in the CLI's dictionary.png; sort_by_norm puts the
    largest norms first (useful when norms are learned, Fig. 6).
    """
    A = _components_of(components)
    if A.ndim != 2:
        raise ValueError(f"components must be 2-D (K, D); got shape {A.shape}.")
    K, D = A.shape
    norms = np.linalg.norm(A, axis=1)
    order = np.argsort(-norms, kind="stable") if sort_by_norm else np.arange(K)
    side = math.isqrt(D)
    ax = _axes(ax, (6, 6))
    if side * side == D:
        ncols = ncols or math.ceil(math.sqrt(K))
        nrows = math.ceil(K / ncols)
        canvas = np.full((nrows * (side + 1) + 1, ncols * (side + 1) + 1), np.nan)
        for i, k in enumerate(order):
            r, c = divmod(i, ncols)
            scale = np.abs(A[k]).max() or 1.0
            canvas[1 + r * (side + 1):1 + r * (side + 1) + side,
                   1 + c * (side + 1):1 + c * (side + 1) + side] = A[k].reshape(side, side) / scale
    else:
        scale = np.abs(A[order]).max(axis=1, keepdims=True)
        canvas = A[order] / np.where(scale > 0, scale, 1.0)
    image = np.ma.masked_invalid(canvas)
    import matplotlib

    colormap = matplotlib.colormaps[cmap].copy()
    colormap.set_bad("#5b7fa6")  # the gaps between tiles: no gray level, so tiles stand apart
    ax.imshow(image, cmap=colormap, vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title if title is not None else f"dictionary, K = {K}, D = {D}")
    return ax


def plot_coefficient_histogram(S, prior, ax=None, *, bins=25, title=None):
    """Coefficients against the prior they should follow (Fig. 5).

    S: coefficients of any shape (samples from sample_posterior, or transform()'s output).
    prior: an lsc.Prior, or a Model, Run, fitted estimator or run folder that holds one.
    For the nonnegative priors (l0, l1) the nonzero coefficients are histogrammed on the bins of
    app. B ([1e-5, 6/λ]) as a density whose integral is the active fraction, against the slab
    π λ e^(−λ s); the legend gives P(s = 0) of both and the binned KL(prior ‖ empirical) of
    app. B (eq. 50-52) computed by the core. Signed priors show the density of all coefficients.
    """
    p = _prior_of(prior)
    s = np.asarray(S, dtype=float).ravel()
    ax = _axes(ax, (6, 4))
    if p.nonnegative:
        h = _lsc.prior_histogram(p, s, bins)
        edges = np.asarray(h["edges"])
        counts = np.asarray(h["counts"])[1:1 + bins]  # [0] is the zero bin, the last the tail
        density = counts / (s.size * np.diff(edges))
        ax.bar(edges[:-1], density, width=np.diff(edges), align="edge", alpha=0.6,
               label=f"coefficients ≠ 0 (P(s = 0) = {h['zero_fraction']:.3f})")
        grid = np.linspace(edges[0], edges[-1], 200)
        ax.plot(grid, np.exp(p.log_density(grid)), "k-", lw=2,
                label=f"prior slab (P(s = 0) = {1 - p.pi:.3f}); KL {h['kl']:.4f} nats")
        ax.set_xlim(0, edges[-1])
    else:
        lo, hi = np.percentile(s, [0.5, 99.5])
        edges = np.linspace(lo, hi, bins + 1)
        ax.hist(s, bins=edges, density=True, alpha=0.6, label="coefficients")
        grid = np.linspace(lo, hi, 200)
        ax.plot(grid, np.exp(p.log_density(grid)), "k-", lw=2, label=f"prior ({p.kind})")
    ax.set_xlabel("s")
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    ax.set_title(title if title is not None else f"coefficients against the {p.kind} prior ({s.size} values)")
    return ax


def plot_traces(metrics, keys=("pi", "mean_norm"), axes=None, *, truth=None, title=None):
    """Metrics of a run against the step, one panel per key (π and the mean norm ‖A_k‖ by default;
    also reconstruction_error, active_fraction, sigma, lambda, elapsed_s, and for lsc acceptance,
    ess and ess_active).

    metrics: the columns {name: array} (Run.metrics, estimator.metrics_), an lsc.Run, a fitted
    estimator, a run folder or a metrics.csv path. truth: {key: value} drawn as dashed lines
    (e.g. {"pi": 0.3, "mean_norm": 1.0} for the bars).
    """
    if isinstance(metrics, (str, os.PathLike)):
        metrics = read_metrics(metrics)
    elif isinstance(metrics, Run):
        metrics = metrics.metrics
    elif hasattr(metrics, "metrics_"):
        metrics = metrics.metrics_
    keys = [keys] if isinstance(keys, str) else list(keys)
    for key in keys:
        if key not in metrics:
            raise ValueError(f"no metric '{key}'; the metrics are {', '.join(metrics)}.")
    if axes is None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(len(keys), 1, figsize=(7, 2.4 * len(keys)), sharex=True, squeeze=False)
        axes = axes[:, 0]
        if title:
            fig.suptitle(title)
    axes = np.atleast_1d(axes)
    labels = {"pi": "π", "mean_norm": "mean ‖A_k‖", "sigma": "σ", "lambda": "λ",
              "reconstruction_error": "‖x − A s‖²/D", "active_fraction": "fraction active",
              "acceptance": "MALA acceptance", "ess": "ESS per hold", "ess_active": "ESS of s ≠ 0 per hold"}
    step = np.asarray(metrics["step"], dtype=float)
    for ax, key in zip(axes, keys):
        ax.plot(step, metrics[key], lw=1.5)
        if truth and key in truth:
            ax.axhline(truth[key], color="k", ls="--", lw=1, label=f"truth {truth[key]:g}")
            ax.legend(fontsize="small")
        ax.set_ylabel(labels.get(key, key))
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("step")
    return axes
