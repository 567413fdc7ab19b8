"""The low-level API: `lsc train`, `lsc infer`, `lsc generate bars` and `lsc patches` as functions.

Every option of the command line is a keyword here (docs/python.md has the table). An option
left as None keeps the core's default: the defaults live in C++ (lsc.resolve_defaults, and the
InferConfig/BarsOptions/PatchDataOptions structs), never in this file.
"""
import os
import sys

import numpy as np

from . import _lsc
from .progress import ProgressBar, wants_bar
from .runs import Run, save_run

__all__ = ["train", "infer", "sample_posterior", "Posterior", "evaluate_loglik", "LogLikelihood", "generate_bars",
           "load_patches", "experiments", "run_experiment", "evaluate_dictionary"]


def _set(options, **values):
    """The values that were given (None means: the core's default)."""
    options.update({k: v for k, v in values.items() if v is not None})
    return options


def _is_path(x):
    return isinstance(x, (str, os.PathLike))


# ---- lsc train ----------------------------------------------------------------------------------
def _data_source(data, seed, bars, images):
    """(source, label, preprocessing, true dictionary) for `data`, as `lsc train --data` reads it."""
    if isinstance(data, _lsc.BatchSource):
        return data, "python", None, None
    if _is_path(data):
        data = os.fspath(data)
        source, preprocessing, truth = _lsc.open_training_data(data, _lsc.BarsOptions(**bars),
                                                               _lsc.PatchDataOptions(**images), seed)
        return source, data, preprocessing, truth
    source = _lsc.ArraySource(data, seed)  # read in place when float64 and C-ordered
    n, d = source.data.shape
    return source, f"array ({n}, {d})", None, None


def _options_doc(config_type):
    """The options of a Config as docstring lines, from the core's field table."""
    return "\n".join(f"    {name}: {getattr(config_type, name).__doc__}" for name in config_type.fields)


def train(data="bars", *, init_dictionary=None, resume=False, out=None,
          bars_pi=None, bars_lam=None, bars_sigma=None, bars_pixel=None,
          patches=None, patch=None, whiten=None, cutoff=None, variable=None, subset=None,
          test_fraction=None, border=None, remove_mean=None, normalize_variance=None,
          callback=None, progress="auto", **options):
    """Learns a dictionary (and optionally π, σ, λ), like `lsc train`; returns an lsc.Run.

    data: "bars" (generated afresh), an .npy path of shape (N, D), "images:PATH", an array
    (n_samples, n_features) (float64 C-ordered arrays are read in place), or an lsc.BatchSource.
    init_dictionary: a (K, D) array or .npy path. out: write the run folder there (and
    checkpoint.bin with checkpoint_every; resume=True continues from it bit-exactly). bars_*: the
    generated bars; patches, patch, whiten, ...: the patches of "images:PATH" (as `lsc train`).
    callback(row, total_steps) is called at every metrics row with an lsc.MetricsRow; a true
    return value stops the run there. progress: True, False or "auto" (a bar on a terminal or
    in a notebook).

    Ctrl-C stops the run cleanly at the next metrics row (rows come every 1/200 of the run
    unless metrics_every says otherwise), writes the run folder when out is given, and raises
    KeyboardInterrupt with the partial lsc.Run as its `run` attribute. An exception raised by
    the callback ends the run the same way. A second Ctrl-C, for when the next row is far off,
    abandons the run at once: KeyboardInterrupt, with the run folder and the last checkpoint as
    they were.

    Every other keyword is an option of lsc.TrainConfig (None or left out: the core's default;
    docs/parameters.md):
    """
    options = _set({}, **options)
    if init_dictionary is not None:
        options["initial_dictionary"] = (_lsc.read_npy_rows(init_dictionary) if _is_path(init_dictionary)
                                         else init_dictionary)
    config = _lsc.TrainConfig(**options)
    bars = _set({}, pi=bars_pi, lam=bars_lam, sigma=bars_sigma, pixel=bars_pixel)
    images = _set({}, count=patches, patch=patch, whiten=whiten, cutoff=cutoff, variable=variable,
                  subset=subset, test_fraction=test_fraction, border=border, remove_mean=remove_mean,
                  normalize_variance=normalize_variance)
    if bars and not (_is_path(data) and os.fspath(data) == "bars"):
        raise _lsc.LscError("bars_pi, bars_lam, bars_sigma and bars_pixel apply to data='bars' only.")
    if images and not (_is_path(data) and os.fspath(data).startswith("images:")):
        raise _lsc.LscError("the patch options apply to data='images:PATH' only.")
    source, label, preprocessing, truth = _data_source(data, config.seed, bars, images)
    checkpoint = os.path.join(os.fspath(out), "checkpoint.bin") if out is not None else ""

    bar = ProgressBar("train " + config.method) if wants_bar(progress) else None

    def on_row(row, total):
        if bar is not None:
            bar.update(row.step, total, f"err {row.reconstruction_error:.4f} active {row.active_fraction:.3f} "
                                        f"pi {row.pi:.3f} |A| {row.mean_norm:.3f}")
        if callback is not None:
            return callback(row, total)
        return None

    try:
        result, error = _lsc.train(config, source, on_row, checkpoint, resume)
    finally:
        if bar is not None:
            bar.close()
    if result.abandoned:  # a second Ctrl-C: out at once, the run folder as it was
        raise error
    run = Run(result, data=label, preprocessing=preprocessing, truth=truth,
              stopped_early=result.stopped_early)
    if out is not None:
        save_run(out, run)
    if error is not None:
        error.run = run  # what was learned until the run stopped
        raise error
    return run


train.__doc__ += _options_doc(_lsc.TrainConfig) + "\n"


# ---- lsc infer ----------------------------------------------------------------------------------
class Posterior:
    """Posterior summaries of the coefficients: mean and p_active (n_samples, K), and samples
    (T, n_samples, K) of chain 0 of every data point when they were asked for. diagnostics: for
    the first diagnose_points data points, arrays (points, K) of rank-normalized split R-hat,
    bulk- and tail-ESS and MCSE of each coefficient over all chains (rhat, ess_bulk, ess_tail,
    mcse_mean, ...), and the same of its activity 1[s != 0] suffixed _active (mcse_mean_active is
    the Monte Carlo error of p_active); None for MAP methods. A RuntimeWarning names the
    coefficients with R-hat above 1.01 or an ESS below 100 per chain."""

    def __init__(self, method, mean, p_active, samples, tau_u, stiffness, acceptance, elapsed_s,
                 diagnostics=None):
        self.diagnostics = diagnostics
        self.method = method
        self.mean = mean
        self.p_active = p_active
        self.samples = samples
        self.tau_u = tau_u
        self.stiffness = stiffness  # ε·max eig(AᵀA)/σ²: Euler-Maruyama's bias grows with it
        self.acceptance = acceptance
        self.elapsed_s = elapsed_s

    def __repr__(self):
        n, k = self.mean.shape
        extra = "" if self.samples is None else f", samples={self.samples.shape}"
        return (f"Posterior(method={self.method!r}, n_samples={n}, K={k}, tau_u={self.tau_u:.4g}, "
                f"stiffness={self.stiffness:.3g}, acceptance={self.acceptance:.3f}{extra})")


def _model_of(model):
    """An lsc.Model from a Model, Run, fitted estimator or run folder path."""
    if isinstance(model, _lsc.Model):
        return model, None
    if isinstance(model, Run):
        return model.model, model.preprocessing
    if _is_path(model):
        return _lsc.load_model(model), _lsc.load_preprocessing(model)
    as_model = getattr(model, "model_", None)
    if isinstance(as_model, _lsc.Model):
        return as_model, None
    raise TypeError(f"model must be an lsc.Model, an lsc.Run, a fitted lsc estimator or a run folder; "
                    f"got {type(model).__name__}.")


def _posterior(model, X, config, progress):
    bar = ProgressBar("infer " + config.method) if wants_bar(progress) else None
    try:
        r = _lsc.infer(model, X, config, None if bar is None else bar.update)
    finally:
        if bar is not None:
            bar.close()
    return Posterior(config.method, r["mean"], r["p_active"], r["samples"], r["tau_u"], r["stiffness"],
                     r["acceptance"], r["elapsed_s"], r["diagnostics"])


def _rows_of(X, model, recipe, patches, seed):
    """X as rows: an array as given, or a path / "images:PATH" read by the core as `lsc infer
    --data` reads it (images cut with the model's own preprocessing; patches None: the core's
    default, 10 000)."""
    images = _is_path(X) and os.fspath(X).startswith("images:")
    if patches is not None and not images:
        raise _lsc.LscError("patches applies to X='images:PATH' only.")
    return _lsc.open_model_data(os.fspath(X), recipe, model.D, patches or 0, seed) if _is_path(X) else X


def infer(X, model, *, method=None, chains=None, samples=None, burn_in=None, tau_u=None, temperature=None,
          map_steps=None, map_tolerance=None, seed=None, threads=None, block=None, return_samples=False,
          patches=None, dtype=None, backend=None, diagnose_points=None, target_accept=None, dead_zone_jumps=None,
          precondition=None, friction=None, leapfrog=None, progress="auto"):
    """Posterior mean and P(s ≠ 0) of every row of X under a fixed model, like `lsc infer`.

    X: an array (n_samples, D) (read in place when float64 and C-ordered), an .npy path, or
    "images:PATH" to cut `patches` patches with the model's own preprocessing (model must then be
    a run trained on images). model: lsc.Model, lsc.Run, a fitted estimator or a run folder.
    return_samples=True also keeps chain 0's trajectory of every point (Posterior.samples).
    dtype (float32 or float64) and backend (cpu or cuda) choose the sampling engine, as `lsc infer
    --dtype --backend`. diagnose_points (default 8; 0: none): the first this many points get
    R-hat, ESS and MCSE of every coefficient from all their chains (Posterior.diagnostics, and a
    RuntimeWarning when they fail). method: map, lca, langevin, mala, hmc, ghmc or baoab
    (docs/parameters.md, "Samplers"); target_accept, dead_zone_jumps, precondition, friction and
    leapfrog as the options of `lsc infer`. Ctrl-C stops between blocks of data points and raises
    KeyboardInterrupt.
    """
    model, recipe = _model_of(model)
    config = _lsc.InferConfig(**_set({}, method=method, chains=chains, samples=samples, burn_in=burn_in,
                                     tau_u=tau_u, temperature=temperature, map_steps=map_steps,
                                     map_tolerance=map_tolerance, seed=seed, dtype=dtype, backend=backend,
                                     threads=threads, block=block, keep_samples=bool(return_samples),
                                     diagnose_points=diagnose_points, target_accept=target_accept,
                                     dead_zone_jumps=dead_zone_jumps, precondition=precondition, friction=friction,
                                     leapfrog=leapfrog))
    return _posterior(model, _rows_of(X, model, recipe, patches, config.seed), config, progress)


# ---- lsc eval loglik ------------------------------------------------------------------------------
class LogLikelihood:
    """log p(x) by annealed importance sampling: log_px, se (its Monte Carlo standard error) and
    ess (effective number of chains) per data point; mean (nats per data point), se_points (its
    error from the spread across points), se_mc (the Monte Carlo part); exact (the closed form,
    Gaussian prior only, else None); reverse (BDMC's upper estimate, with latents, else None)."""

    def __init__(self, r, D):
        f = r["forward"]
        self.log_px, self.se, self.ess = f["log_px"], f["se"], f["ess"]
        self.mean, self.se_points, self.se_mc, self.acceptance = f["mean"], f["se_points"], f["se_mc"], f["acceptance"]
        self.nats_per_dimension = self.mean / D
        self.exact = r["exact"]
        self.reverse = r["reverse"]
        self.step_size = r["step_size"]
        self.elapsed_s = r["elapsed_s"]

    def __repr__(self):
        extra = "" if self.exact is None else f", exact={float(np.mean(self.exact)):.4f}"
        return (f"LogLikelihood(mean={self.mean:.4f}, se_points={self.se_points:.4f}, se_mc={self.se_mc:.4f}, "
                f"n_samples={len(self.log_px)}{extra})")


def evaluate_loglik(X, model, *, chains=None, steps=None, leapfrog=None, schedule=None, target_accept=None,
                    tune_chains=None, seed=None, threads=None, latents=None, patches=None, progress="auto"):
    """log p(x) of every row of X under a model by annealed importance sampling, like `lsc eval
    loglik` (docs/evaluation.md): the scale on which every method is compared (SVAE Table 1).

    X and model as for lsc.infer. latents (n_samples, K): the coefficients X was simulated from,
    for bidirectional Monte Carlo (LogLikelihood.reverse bounds log p(x) from above). Returns an
    lsc.LogLikelihood. The default 16 chains × 200 steps are the SVAE paper's; check the estimate
    with more steps (it is biased low when the annealing is short) and see the ess.
    """
    model, recipe = _model_of(model)
    config = _lsc.LoglikConfig(**_set({}, chains=chains, steps=steps, leapfrog=leapfrog, schedule=schedule,
                                      target_accept=target_accept, tune_chains=tune_chains, seed=seed,
                                      threads=threads))
    X = _rows_of(X, model, recipe, patches, config.seed)
    bar = ProgressBar("eval loglik") if wants_bar(progress) else None
    try:
        r = _lsc.evaluate_loglik(model, X, config, latents, None if bar is None else bar.update)
    finally:
        if bar is not None:
            bar.close()
    return LogLikelihood(r, model.D)


def sample_posterior(X, dictionary, prior=None, *, pi=None, lam=None, sigma=None, n_samples=None,
                     burn_in=None, method=None, chains=None, tau_u=None, temperature=None, seed=None,
                     threads=None, return_samples=False, progress="auto"):
    """Samples p(s | x) for every row of X under the dictionary (K, D) and a prior.

    prior: an lsc.Prior, or a name (l0, l1, laplace, gaussian, cauchy) with pi and lam. Unset
    prior, pi, lam and sigma take the core's training defaults (l0, π = 0.3, λ = 1, σ = 0.5);
    n_samples (recorded steps per chain), burn_in, method (langevin or mala; map and lca give the
    MAP instead) and chains take `lsc infer`'s. Returns an lsc.Posterior: mean and p_active
    (n_samples, K), and with return_samples=True the samples (n_samples_drawn, n_rows, K) of
    chain 0 of every row.
    """
    base = _lsc.resolve_defaults(_lsc.TrainConfig(method="lsc"), 1)  # the core's model defaults
    if isinstance(prior, _lsc.Prior):
        if pi is not None or lam is not None:
            raise _lsc.LscError("pass pi and lam inside the lsc.Prior, or a prior name with pi and lam, not both.")
        p = prior
    else:
        p = _lsc.Prior(base.prior if prior is None else prior, lam=base.lam if lam is None else lam,
                       pi=base.pi if pi is None else pi)
    model = _lsc.Model(dictionary, base.sigma if sigma is None else sigma, p)
    return infer(X, model, method=method, chains=chains, samples=n_samples, burn_in=burn_in, tau_u=tau_u,
                 temperature=temperature, seed=seed, threads=threads, return_samples=return_samples,
                 progress=progress)


# ---- lsc generate bars / lsc patches / lsc experiment --------------------------------------------
def generate_bars(n, *, pi=None, lam=None, sigma=None, seed=None, pixel=None, size=None, first=0):
    """`lsc generate bars`: (X (n, size²), S (n, 2·size), A (2·size, size²)), the images, their
    true coefficients and the true dictionary. Point i is a pure function of (seed, first + i)."""
    source = _lsc.BarsSource(_lsc.BarsOptions(**_set({}, pi=pi, lam=lam, sigma=sigma, seed=seed, pixel=pixel,
                                                    size=size)))
    X, S = source.generate(first, n)
    return X, S, source.dictionary


def load_patches(path, *, n=None, seed=None, patch=None, whiten=None, cutoff=None, variable=None,
                 subset=None, test_fraction=None, border=None, remove_mean=None, normalize_variance=None):
    """`lsc patches`: (X (n, patch²), recipe), whitened patches of natural images and the recipe
    (a dict, saved as model.json "preprocessing") that makes the same patches again."""
    o = _lsc.PatchDataOptions(**_set({}, path=os.fspath(path), count=n, seed=seed, patch=patch, whiten=whiten,
                                     cutoff=cutoff, variable=variable, subset=subset, test_fraction=test_fraction,
                                     border=border, remove_mean=remove_mean, normalize_variance=normalize_variance))
    return _lsc.load_patches(o)


def experiments():
    """The paper's figures `lsc experiment` reproduces: {name: description}."""
    return dict(_lsc.experiments())


def run_experiment(name, out, *, quick=False, threads=0, log=None, images=None, dead_zone_jumps=False):
    """`lsc experiment NAME --out OUT [--quick] [--images PATH] [--dead-zone-jumps]`: CSVs,
    summary.json and plots in OUT; returns the summary. log(line) receives one line per stage
    (default: stderr). images: the natural images of fig8, fig9 and table1 (default: $LSC_IMAGES,
    else BSDS300 in ../shared beside the repository)."""
    if log is None:
        def log(line):
            print(line, file=sys.stderr)
    summary = _lsc.run_experiment(name, os.fspath(out), quick, threads, log,
                                  None if images is None else os.fspath(images), dead_zone_jumps)
    log(f"{name}: plotting")
    _plot(os.path.join(_lsc.SCRIPTS_DIR, "plot_experiment.py"), [name, os.fspath(out)], out)
    return summary


def _plot(script, args, out):
    """Runs a plotting script of scripts/ with Debian's python3 (which has matplotlib), as the
    CLI does: without matplotlib (exit status 2, said by the script) the numbers stand alone."""
    import subprocess

    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    r = subprocess.run([python, script, *args])
    if r.returncode not in (0, 2):
        raise _lsc.LscError(f"the numbers are in {os.fspath(out)} but plotting failed; run {python} {script} "
                            f"{' '.join(args)} to see why.")


# ---- lsc eval dictionary ------------------------------------------------------------------------
def evaluate_dictionary(dictionary, patch_shape=None, r2_threshold=0.7, *, threads=0):
    """`lsc eval dictionary`: how Gabor-like and how used a dictionary is (docs/evaluation.md).

    dictionary: a run folder (path), an lsc.Run, an lsc.Model, a fitted estimator, or a (K, D)
    array of elements (one per row, each a row-major patch; as learned, with no preprocessing
    recipe). Run folders and Runs bring their recipe: the norms are those of the elements as
    learned, the Gabors are fitted in pixel space (PCA elements mapped back). patch_shape:
    (rows, cols) of an element, needed only when D is not a square and no recipe says.

    Returns a dict: the summary numbers of dictionary_quality.json (K, used, used_fraction,
    bimodal, norm_threshold, ashman_d, mode_ratio, r2_threshold, gabor_fraction, median_used_r2,
    median_used_norm, largest_unused_to_median_used_norm; None where undefined) and "elements",
    a dict of (K,) arrays: used (bool), norm, r2, x0, y0, theta, frequency, phase, sigma_x,
    sigma_y, amplitude. Writes no files (the CLI does).
    """
    if isinstance(dictionary, (np.ndarray, list, tuple)):
        components, recipe = dictionary, None
    else:
        model, recipe = _model_of(dictionary)
        components = model.components
    return _lsc.dictionary_quality(components, recipe, patch_shape, r2_threshold, threads)
