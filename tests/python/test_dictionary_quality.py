"""lsc.evaluate_dictionary: Gabor fits and the used/unused split from Python, on arrays and on run
folders, with the same numbers as `lsc eval dictionary`."""
import json

import numpy as np
import pytest

import lsc


def gabor(p, x0, y0, theta, f, phase, sx, sy):
    """The model of include/lsc/eval/gabor_fit.hpp on a p×p grid, row-major (x = column, y = row)."""
    y, x = np.mgrid[0:p, 0:p].astype(float)
    xp = (x - x0) * np.cos(theta) + (y - y0) * np.sin(theta)
    yp = -(x - x0) * np.sin(theta) + (y - y0) * np.cos(theta)
    return (np.exp(-xp ** 2 / (2 * sx ** 2) - yp ** 2 / (2 * sy ** 2)) * np.cos(2 * np.pi * f * xp + phase)).ravel()


def dictionary(p=8, n_gabor=12, n_faded=8, seed=0):
    """n_gabor Gabors of norm 1 (known parameters), then n_faded noise elements of norm 0.01; (K, p²)."""
    rng = np.random.default_rng(seed)
    params, rows = [], []
    for k in range(n_gabor):
        f = 0.15 + 0.02 * k
        sx = min(0.45 / f, 0.3 * p)
        g = (3.2 + 0.1 * k, 3.6 - 0.05 * k, 0.25 * k, f, -2.0 + 0.3 * k, sx, 1.3 * sx)
        params.append(g)
        v = gabor(p, *g)
        rows.append(v / np.linalg.norm(v))
    for _ in range(n_faded):
        n = rng.standard_normal(p * p)
        rows.append(0.01 * n / np.linalg.norm(n))
    return np.array(rows), params


def test_an_array_of_gabors_and_faded_noise():
    A, params = dictionary()
    q = lsc.evaluate_dictionary(A)
    assert (q["K"], q["patch_rows"], q["patch_cols"]) == (20, 8, 8)
    assert q["bimodal"] and q["used"] == 12 and q["used_fraction"] == pytest.approx(0.6)
    assert q["gabor_fraction"] == 1.0 and q["median_used_r2"] > 0.999
    assert 0.01 < q["norm_threshold"] < 1
    e = q["elements"]
    assert set(e) == {"used", "norm", "r2", "x0", "y0", "theta", "frequency", "phase", "sigma_x", "sigma_y",
                      "amplitude"}
    assert all(v.shape == (20,) for v in e.values()) and e["used"].dtype == bool
    np.testing.assert_array_equal(e["used"], np.arange(20) < 12)
    np.testing.assert_allclose(e["norm"], np.linalg.norm(A, axis=1), rtol=1e-12)
    assert (e["r2"][12:] < 0.7).all()
    # The parameters of the noise-free Gabors come back (θ is reported in [0, π): these are).
    truth = np.array(params)
    np.testing.assert_allclose(e["x0"][:12], truth[:, 0], atol=1e-5)
    np.testing.assert_allclose(e["theta"][:12], truth[:, 2], atol=1e-5)
    np.testing.assert_allclose(e["frequency"][:12], truth[:, 3], atol=1e-5)
    np.testing.assert_allclose(e["sigma_y"][:12], truth[:, 6], rtol=1e-5)
    # Noise of 10 % of the RMS on half the Gabors: their R² drops to about 0.99, below a threshold
    # of 0.999 that the exact ones pass; the threshold moves the fraction, not the fits.
    B = A.copy()
    B[:6] += 0.1 / 8 * np.random.default_rng(3).standard_normal((6, 64))
    loose, strict = lsc.evaluate_dictionary(B), lsc.evaluate_dictionary(B, r2_threshold=0.999)
    assert loose["gabor_fraction"] == 1.0 and strict["gabor_fraction"] == 0.5 and strict["r2_threshold"] == 0.999
    assert (0.97 < strict["elements"]["r2"][:6]).all() and (strict["elements"]["r2"][:6] < 0.999).all()
    np.testing.assert_array_equal(strict["elements"]["r2"], loose["elements"]["r2"])


def test_a_run_folder_gives_the_numbers_of_the_cli(tmp_path, cli):
    A, _ = dictionary(seed=1)
    run = tmp_path / "run"
    run.mkdir()
    np.save(run / "dictionary.npy", A)
    (run / "model.json").write_text(json.dumps({"D": 64, "K": 20, "sigma": 0.5,
                                                "prior": {"name": "l0", "lambda": 1.0, "pi": 0.3}}))
    q = lsc.evaluate_dictionary(run, threads=1)
    loaded = lsc.evaluate_dictionary(lsc.load_run(run))
    cli("eval", "dictionary", run, "--threads", 2, "--no-plots", "--out", tmp_path / "cli")
    j = json.loads((tmp_path / "cli" / "dictionary_quality.json").read_text())
    for key in ("K", "used", "bimodal", "norm_threshold", "gabor_fraction", "median_used_r2", "median_used_norm",
                "largest_unused_to_median_used_norm"):
        assert q[key] == j[key] == loaded[key], key
    for name in ("r2", "theta", "frequency", "phase", "sigma_x"):
        np.testing.assert_array_equal(q["elements"][name], [el[name] for el in j["elements"]])
    assert not (run / "dictionary_quality.json").exists()  # Python returns, never writes


def test_shapes_and_errors():
    A = np.random.default_rng(2).standard_normal((5, 60))
    with pytest.raises(lsc.LscError, match="patch_shape"):
        lsc.evaluate_dictionary(A)
    q = lsc.evaluate_dictionary(A, patch_shape=(6, 10))
    assert (q["patch_rows"], q["patch_cols"]) == (6, 10)
    assert not q["bimodal"] and q["used"] == 5 and q["largest_unused_to_median_used_norm"] is None
    with pytest.raises(lsc.LscError, match="60"):
        lsc.evaluate_dictionary(A, patch_shape=(7, 9))
    with pytest.raises(lsc.LscError, match="pair"):
        lsc.evaluate_dictionary(A, patch_shape=60)
    with pytest.raises(lsc.LscError, match="no such run folder|model.json"):
        lsc.evaluate_dictionary("/nonexistent/run")
