"""lsc.diagnostics against the reference implementation of Vehtari et al. (2021) in
diagnostics_reference.py (the same one the C++ test's expected values come from), on arrays of
shape (chains, draws) and (chains, draws, *shape) like ArviZ's, plus its warning and its errors."""
import math
import warnings

import numpy as np
import pytest

import lsc
from diagnostics_reference import CASES, draws_of, reference

KEYS = ["rhat", "ess_bulk", "ess_tail", "mcse_mean", "mean", "sd", "ess_mean", "rhat_bulk", "rhat_folded"]


def assert_matches(got, want, where):
    for key in KEYS:
        g, w = float(got[key]), want[key]
        if math.isnan(w) or math.isinf(w):
            assert (math.isnan(g) and math.isnan(w)) or g == w, (where, key, g, w)
        else:
            # Rounding only (an FFT against direct sums): 3e-14 relative is seen.
            assert g == pytest.approx(w, rel=1e-10, abs=1e-13), (where, key)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_fixed_arrays_match_the_reference(case):
    name, kind, param, seed, chains, draws = case
    x = draws_of(kind, param, seed, chains, draws)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # several cases are meant not to converge
        got = lsc.diagnostics(x)
    assert set(got) == set(KEYS)
    assert all(np.asarray(got[k]).shape == () for k in KEYS)
    assert_matches(got, reference(x), name)


def test_every_quantity_of_a_multidimensional_array():
    rng = np.random.default_rng(3)
    chains, draws = 3, 57
    x = rng.standard_normal((chains, draws, 2, 3))
    x[:, :, 0, 1] += np.arange(chains)[:, None]  # disagreeing chains
    x[:, :, 1, 0] = 0.0  # never active
    x[:, :, 1, 2] = rng.uniform(size=(chains, draws)) < 0.2  # 0/1 indicator draws
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = lsc.diagnostics(x)
    for key in KEYS:
        assert got[key].shape == (2, 3) and got[key].dtype == np.float64
    for i in range(2):
        for j in range(3):
            assert_matches({k: v[i, j] for k, v in got.items()}, reference(x[:, :, i, j]), (i, j))
    assert got["rhat"][0, 1] > 1.1
    assert got["rhat"][1, 0] == 1.0 and got["mcse_mean"][1, 0] == 0.0


def test_any_numeric_layout_is_read():
    rng = np.random.default_rng(4)
    x = rng.uniform(size=(4, 40, 5)) < 0.3
    want = lsc.diagnostics(x.astype(np.float64), warn=False)
    for other in (x, x.astype(np.int32), x.astype(np.float32), np.asfortranarray(x.astype(float)), x.tolist()):
        got = lsc.diagnostics(other, warn=False)
        for key in KEYS:
            np.testing.assert_array_equal(got[key], want[key])


def test_warning_names_the_worst_quantities():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 200, 10))
    x[:, :, 7] += np.arange(4)[:, None]
    with pytest.warns(RuntimeWarning, match=r"^R-hat above 1.01 for 1 of 10 quantities \(worst [0-9.]+ at "
                                            r"samples\[:, :, 7\]\).*draw more samples \(samples=\) or burn in "
                                            r"longer \(burn_in=\)\.$"):
        lsc.diagnostics(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converged draws: no warning at all
        lsc.diagnostics(rng.standard_normal((4, 200, 10)))
        lsc.diagnostics(x, warn=False)


@pytest.mark.parametrize("samples, message", [
    (np.zeros(10), r"must have shape \(chains, draws\) or \(chains, draws, \*shape\).*has shape \(10,\)"),
    (np.zeros((2, 3)), r"at least 4 draws per chain \(got 3\)"),
    (np.zeros((2, 0, 3)), r"samples is empty"),
    (np.zeros((2, 10), dtype=complex), r"dtype complex128"),
    ("draws", r"dtype <U5"),
    (np.array([[0.0, 1, 2, np.nan, 4]]), r"NaN or infinity \(chain 0, draw 3, quantity 0\)"),
])
def test_bad_samples_give_one_sentence(samples, message):
    with pytest.raises(lsc.LscError, match=message):
        lsc.diagnostics(samples)


def test_infer_reports_the_diagnostics_of_its_own_chains():
    """lsc.infer: Posterior.diagnostics are (points, K) arrays whose mean is the posterior mean of
    those points, and a RuntimeWarning names coefficients whose chains still drift."""
    X = lsc.generate_bars(5, seed=2)[0]
    model = lsc.Model(lsc.bars_dictionary(), 0.5, lsc.Prior("l0", pi=0.3, lam=1.0))
    p = lsc.infer(X, model, chains=3, samples=300, burn_in=100, diagnose_points=4, dtype="float64",
                  progress=False)
    d = p.diagnostics
    assert d["rhat"].shape == (4, 16) and d["ess_bulk_active"].shape == (4, 16)
    np.testing.assert_allclose(d["mean"], p.mean[:4], atol=1e-12)
    np.testing.assert_allclose(d["mean_active"], p.p_active[:4], atol=1e-12)
    # Under the l0 prior chains stuck at 0 would give s = 0 in every draw, which reads as mixed
    # (docs/diagnostics.md); a Gaussian prior's drifting chains must be flagged.
    gaussian = lsc.Model(lsc.bars_dictionary(), 0.5, lsc.Prior("gaussian", lam=1.0))
    with pytest.warns(RuntimeWarning, match="R-hat above 1.01"):
        lsc.infer(X, gaussian, chains=4, samples=100, burn_in=0, tau_u=20000, progress=False)
    assert lsc.infer(X, gaussian, method="map", progress=False).diagnostics is None
