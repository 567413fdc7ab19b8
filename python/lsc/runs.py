"""Run folders: what `lsc train --out DIR` writes, read into Python, and written back from it.

A run folder holds dictionary.npy (K, D), model.json, metrics.csv, dictionary.png and
summary.json (README.md). The files are written by the core's save_run, so a folder saved from
Python is the one the CLI writes and `lsc infer --model DIR` reads.
"""
import os

from . import _lsc

__all__ = ["Run", "load_run", "save_run", "read_metrics"]


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
    _lsc.save_run(path, run.result, run.data, run.preprocessing, run.summary)
    return path


def read_metrics(path):
    """metrics.csv (a file, or the run folder holding it) as columns {name: array}."""
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "metrics.csv")
    return _lsc.read_metrics(path)


def load_run(path):
    """Reads a run folder written by `lsc train` (or by save_run): an lsc.Run.

    The core reads it (model.json, dictionary.npy, metrics.csv, summary.json; a malformed folder
    raises lsc.LscError naming the file), as `lsc infer --model` does.
    """
    path = os.fspath(path)
    result, data, preprocessing, summary = _lsc.load_run(path)
    return Run(result, data=data, preprocessing=preprocessing, summary=summary, path=path, stopped_early=False)
