"""lsc: Langevin sparse coding in Python.

A thin layer over the C++ core (the _lsc module): the algorithms and every default live in C++;
this package converts NumPy arrays (without copies where the layout allows) and calls it.

    import lsc
    X, S, A = lsc.generate_bars(5000, seed=1)
    est = lsc.LangevinDictionaryLearning(n_components=16, prior="l0", pi=0.5, learn_pi=True,
                                         random_state=0).fit(X)
    est.components_, est.pi_, est.transform(X[:10])

Estimators (scikit-learn): LangevinDictionaryLearning, DiscreteSparseCoding (DSC),
LocallyCompetitiveSparseCoding (LCA), SimultaneousSparseCoding (SSC).
Functions: train, infer, sample_posterior, evaluate_loglik (AIS), generate_bars, load_patches, load_run, save_run,
resolve_defaults, run_experiment, evaluate_dictionary, diagnostics (R-hat, ESS and MCSE of MCMC draws);
lsc.plotting for figures. docs/python.md has the details.
"""
import os as _os


def _libgomp_loaded():
    try:
        with open("/proc/self/maps") as maps:
            return "/libgomp" in maps.read()
    except OSError:  # not Linux: no way to tell, and nothing else to do
        return False


# OpenMP threads that sleep when they wait (issue 19; src/core/passive_waits.cpp does the same for
# the executables): libgomp's default spinning at every barrier makes 2 threads far slower than 1
# when other processes share the cores. libgomp reads OMP_WAIT_POLICY once, when it is loaded, so
# it is set just for the import of _lsc, which loads it, and then removed again, leaving the user's
# environment (and that of child processes) as it was; a value the user set is kept. Where another
# module loaded libgomp first (scikit-learn and matplotlib.pyplot, through Pillow, do), the process
# keeps libgomp's default, since one libgomp serves the whole process; docs/python.md says how to
# get the passive waits then.
_LIBGOMP_LOADED_BEFORE = _libgomp_loaded()
_SET_WAIT_POLICY = "OMP_WAIT_POLICY" not in _os.environ
if _SET_WAIT_POLICY:
    _os.environ["OMP_WAIT_POLICY"] = "passive"
try:
    from ._lsc import (CLI_PATH, ArraySource, BarsOptions, BarsSource, BatchSource, InferConfig, LoglikConfig,
                       LscError, MetricsRow, Model, PatchDataOptions, Prior, TrainConfig, TrainResult, __version__,
                       bars_dictionary, best_abs_cosine, diagnostics, infer_methods, prior_histogram, prior_names,
                       read_npy_rows, resolve_defaults, save_mosaic, set_threads, threads, train_methods)
finally:
    if _SET_WAIT_POLICY:
        del _os.environ["OMP_WAIT_POLICY"]
from .api import (LogLikelihood, Posterior, evaluate_dictionary, evaluate_loglik, experiments, generate_bars, infer,
                  load_patches, run_experiment, sample_posterior, train)
from .runs import Run, load_run, read_metrics, save_run

# scikit-learn and matplotlib take about a second each to import, so the estimators and
# lsc.plotting load when first used.
_LAZY = {"LangevinDictionaryLearning": "estimator", "DiscreteSparseCoding": "estimator",
         "LocallyCompetitiveSparseCoding": "estimator", "SimultaneousSparseCoding": "estimator",
         "DSC": "estimator", "LCA": "estimator", "SSC": "estimator"}


def __getattr__(name):
    import importlib

    if name == "plotting":
        return importlib.import_module(".plotting", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module("." + _LAZY[name], __name__), name)
    raise AttributeError(f"module 'lsc' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | {"plotting"})
