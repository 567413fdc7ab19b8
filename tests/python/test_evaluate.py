"""lsc.evaluate_loglik and the estimators' score: the AIS service of `lsc eval loglik`, checked
against the Gaussian prior's closed form and against the command line."""
import json

import numpy as np
import pytest

import lsc


@pytest.fixture(scope="module")
def gaussian_case():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 6)) * 0.7
    model = lsc.Model(A, 0.5, lsc.Prior("gaussian"))
    S = rng.normal(size=(20, 3))
    X = S @ A + 0.5 * rng.normal(size=(20, 6))
    return model, X, S


def test_ais_matches_the_gaussian_closed_form(gaussian_case):
    model, X, _ = gaussian_case
    r = lsc.evaluate_loglik(X, model, seed=0, threads=1, progress=False)
    assert r.log_px.shape == (20,) and r.se.shape == (20,) and r.ess.shape == (20,)
    assert r.exact is not None and r.reverse is None
    # Four Monte Carlo standard errors of the mean over 20 points (a probe over seeds 0-3 gave
    # |z| ≤ 1.3); a model with σ off by 50 % is rejected by the same bound.
    assert abs(r.mean - r.exact.mean()) < 4 * r.se_mc
    wrong = lsc.Model(model.components, 0.75, model.prior)
    assert abs(r.mean - lsc.evaluate_loglik(X, wrong, seed=0, threads=1, progress=False).exact.mean()) > 4 * r.se_mc


def test_bdmc_brackets_the_exact_value(gaussian_case):
    model, X, S = gaussian_case
    r = lsc.evaluate_loglik(X, model, latents=S, seed=0, threads=1, progress=False)
    exact = r.exact.mean()
    assert r.reverse is not None
    se = np.hypot(r.se_mc, r.reverse["se_mc"])
    assert r.mean <= exact + 4 * r.se_mc and r.reverse["mean"] >= exact - 4 * r.reverse["se_mc"]
    assert abs(r.reverse["mean"] - r.mean) < 8 * se
    with pytest.raises(lsc.LscError, match="latents"):
        lsc.evaluate_loglik(X, model, latents=np.ascontiguousarray(S[:, :2]), progress=False)


def test_python_and_the_command_line_give_the_same_numbers(tmp_path, cli):
    run = lsc.train("bars", method="lsc", prior="gaussian", steps=200, seed=1, threads=1, progress=False,
                    out=tmp_path / "run")
    X, _, _ = lsc.generate_bars(12, seed=4)
    np.save(tmp_path / "x.npy", X)
    py = lsc.evaluate_loglik(tmp_path / "x.npy", tmp_path / "run", chains=4, steps=30, seed=3, threads=1,
                             progress=False)
    cli("eval", "loglik", "--model", tmp_path / "run", "--data", tmp_path / "x.npy", "--chains", 4, "--steps", 30,
        "--seed", 3, "--threads", 1, "--quiet", "--out", tmp_path / "r.json")
    out = json.loads((tmp_path / "r.json").read_text())
    np.testing.assert_array_equal(py.log_px, out["forward"]["log_px"])
    np.testing.assert_array_equal(py.exact, out["exact"]["log_px"])
    assert run.model.prior.kind == "gaussian"


def test_estimator_score_is_the_mean_log_likelihood():
    X, _, _ = lsc.generate_bars(40, seed=2)
    est = lsc.LangevinDictionaryLearning(n_components=16, prior="gaussian", steps=300, random_state=0, threads=1,
                                         progress=False).fit(X)
    per_row = est.score_samples(X[:10])
    assert per_row.shape == (10,) and np.all(np.isfinite(per_row))
    assert est.score(X[:10]) == pytest.approx(per_row.mean(), rel=1e-12)
    r = lsc.evaluate_loglik(X[:10], est, seed=est.seed_, threads=1, progress=False)
    np.testing.assert_array_equal(per_row, r.log_px)  # the same service, seed and data
    assert abs(r.mean - r.exact.mean()) < 4 * r.se_mc
