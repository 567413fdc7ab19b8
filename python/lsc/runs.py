"""Run folders: what `lsc train --out DIR` writes, read into Python, and written back from it.

A run folder holds dictionary.npy (K, D), model.json, metrics.csv, dictionary.png and
summary.json (README.md). The files are written by the core's save_run, so a folder saved from
Python is the one the CLI writes and `lsc infer --model DIR` reads.
"""
import csv
import json
import os
import tempfile

import numpy as np

from . import _lsc

__all__ = ["Run", "load_run", "save_run", "read_metrics"]

METRIC_COLUMNS = ("step", "elapsed_s", "reconstruction_error", "active_fraction",
                  "pi", "sigma", "lambda", "mean_norm")
# Written after those when the run has them: the (adapted) τ_u, and the ELBO of svae runs.
OPTIONAL_METRIC_COLUMNS = ("tau_u", "elbo")


class Run:
    """A training run: the model, the resolved configuration, the metrics and a summary.

    lsc.train returns one, lsc.load_run reads one from a run folder, lsc.save_run writes one.
    """

    def __init__(self, result, *, data="python", preprocessing=None, summary=None, path=None,
                 truth=None, stopped_early=None):
        self._result = result
        self.data = data
        self.preprocessing = preprocessing
        self.path = None if path is None else os.fspath(path)
        self.stopped_early = result.stopped_early if stopped_early is None else stopped_early
        self.summary = summary if summary is not None else _summary(result, truth, preprocessing)

    # The model ------------------------------------------------------------------------------
    @property
    def model(self):
        """The learned lsc.Model (a copy)."""
        return self._result.model

    @property
    def components(self):
        """The dictionary, (K, D): one element per row."""
        return self._result.model.components

    @property
    def prior(self):
        return self._result.model.prior

    @property
    def pi(self):
        return self._result.model.prior.pi

    @property
    def lam(self):
        """λ (lambda is a Python keyword)."""
        return self._result.model.prior.lam

    @property
    def sigma(self):
        return self._result.model.sigma

    @property
    def K(self):
        return self._result.model.K

    @property
    def D(self):
        return self._result.model.D

    # How it was learned -------------------------------------------------------------------------
    @property
    def config(self):
        """The lsc.TrainConfig with every default resolved."""
        return self._result.config

    @property
    def method(self):
        return self._result.config.method

    @property
    def metrics(self):
        """The metrics rows as columns {name: array}, named as in metrics.csv."""
        return self._result.metrics

    @property
    def elapsed_s(self):
        return self._result.elapsed_s

    @property
    def acceptance(self):
        """MALA acceptance rate over the run (1 for the other dynamics)."""
        return self._result.acceptance

    @property
    def result(self):
        """The core's TrainResult."""
        return self._result

    def save(self, path):
        """Writes this run as a run folder (see save_run) and returns the path."""
        return save_run(path, self)

    def __repr__(self):
        where = f", path={self.path!r}" if self.path else ""
        return (f"Run(method={self.method!r}, prior={self.prior!r}, K={self.K}, D={self.D}, "
                f"sigma={self.sigma:.4g}, steps={self.summary.get('steps')}{where})")


def _summary(result, truth=None, preprocessing=None):
    """summary.json as `lsc train` writes it (the core's run_summary)."""
    return _lsc.run_summary(result, truth, preprocessing)


def _write_atomic(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def save_run(path, run):
    """Writes a run folder the CLI can use (`lsc infer --model PATH`) and returns its path.

    run: an lsc.Run, or a fitted estimator (LangevinDictionaryLearning and the baselines).
    """
    if not isinstance(run, Run):
        to_run = getattr(run, "to_run", None)
        if to_run is None:
            raise TypeError(f"save_run needs an lsc.Run or a fitted lsc estimator; got {type(run).__name__}.")
        run = to_run()
    path = os.fspath(path)
    _lsc.save_run(path, run.result, run.data, run.preprocessing)
    _write_atomic(os.path.join(path, "summary.json"), json.dumps(run.summary, indent=2) + "\n")
    return path


def read_metrics(path):
    """metrics.csv (a file, or the run folder holding it) as columns {name: array}."""
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "metrics.csv")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = tuple(rows[0]) if rows else ()
    if header[:len(METRIC_COLUMNS)] != METRIC_COLUMNS or not set(header[len(METRIC_COLUMNS):]) <= set(
            OPTIONAL_METRIC_COLUMNS):
        raise _lsc.LscError(f"{path}: not a metrics.csv written by lsc (expected the columns "
                            f"{', '.join(METRIC_COLUMNS)}, then optionally {', '.join(OPTIONAL_METRIC_COLUMNS)}); "
                            "re-create it with 'lsc train'.")
    body = np.array(rows[1:], dtype=float).reshape(-1, len(header))
    columns = {name: body[:, i].copy() for i, name in enumerate(header)}
    columns["step"] = columns["step"].astype(np.uint64)
    return columns


def _config_from_model_json(j):
    """The TrainConfig that model.json records (its "config", the prior and the seed)."""
    c = j.get("config", {})
    initial = c.get("initial", {})
    options = {"method": j.get("method", c.get("method")), "prior": j["prior"]["name"], "K": j["K"],
               "pi": initial.get("pi"), "lam": initial.get("lambda"), "sigma": initial.get("sigma")}
    for key in ("learn_pi", "learn_sigma", "learn_lambda", "steps", "batch", "tau_u", "tau_A", "tau_x",
                "hold_burn_in", "tau_u0", "tau_sigma", "tau_lambda", "inner_steps", "sampler",
                "target_accept", "dead_zone_jumps", "temperature", "normalize", "var_goal", "init_scale", "seed"):
        if key in c:
            options[key] = c[key]
    return _lsc.TrainConfig(**{k: v for k, v in options.items() if v is not None})


def load_run(path):
    """Reads a run folder written by `lsc train` (or by save_run): an lsc.Run.

    The model is read by the core (so a malformed folder raises lsc.LscError naming the file);
    metrics.csv, summary.json and the recorded configuration come along.
    """
    path = os.fspath(path)
    model = _lsc.load_model(path)
    with open(os.path.join(path, "model.json")) as f:
        j = json.load(f)
    metrics_file = os.path.join(path, "metrics.csv")
    metrics = read_metrics(metrics_file) if os.path.exists(metrics_file) else {
        name: np.zeros(0) for name in METRIC_COLUMNS}
    summary = None
    summary_file = os.path.join(path, "summary.json")
    if os.path.exists(summary_file):
        with open(summary_file) as f:
            summary = json.load(f)
    acceptance = (summary or {}).get("acceptance", 1.0)
    result = _lsc.TrainResult(model, _config_from_model_json(j), metrics,
                              elapsed_s=j.get("elapsed_s", 0.0), acceptance=acceptance)
    return Run(result, data=j.get("data", ""), preprocessing=j.get("preprocessing"), summary=summary,
               path=path, stopped_early=False)
