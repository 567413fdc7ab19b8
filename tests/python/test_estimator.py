"""The scikit-learn estimators: scikit-learn's own estimator checks, and what the checks cannot
see (the statistical form of subset invariance, pickling of a fitted model, parameters)."""
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

import lsc

# check_estimator fits on tiny random data dozens of times: short runs and few samples keep the
# whole set at a few seconds. The defaults themselves (200 000 steps for lsc) are tested in C++.
FAST = dict(n_components=4, steps=40, batch=10, threads=1, progress=False)
FAST_SAMPLING = dict(transform_chains=2, transform_samples=30, transform_burn_in=20)
ESTIMATORS = [
    # Some checks fit rows near 100 with σ = 0.5: the dictionary grows so fast toward that scale
    # that at the default τ_A = 3000 the coefficient step turns unstable within 40 steps for about
    # half the seeds (in float64 as in float32; a clear divergence error, not a wrong result).
    # τ_A = 5000 learns all 32 of 4 data sets × 8 seeds tried.
    lsc.LangevinDictionaryLearning(**FAST, **FAST_SAMPLING, tau_A=5000),
    lsc.LangevinDictionaryLearning(method="ssc", **FAST),
    lsc.DiscreteSparseCoding(**FAST, inner_steps=20, transform_map_steps=50),
    lsc.LocallyCompetitiveSparseCoding(**FAST, inner_steps=20, transform_map_steps=50),
    lsc.SimultaneousSparseCoding(**FAST),
]


@parametrize_with_checks(ESTIMATORS)
def test_scikit_learn_estimator_checks(estimator, check):
    # The lsc (sampling) transform marks check_methods_subset_invariance and
    # check_methods_sample_order_invariance as xfail, with the reason (estimator.py): its Monte
    # Carlo noise is keyed by row position. test_subsets_agree_within_the_monte_carlo_error below
    # checks the invariance that does hold. score_samples (AIS) is keyed the same way, so these two
    # checks are xfail for every estimator; test_map_transform_is_invariant_to_subsets_and_order
    # keeps the exact invariance of the MAP transforms tested.
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS[1:], ids=lambda e: type(e).__name__)
def test_map_transform_is_invariant_to_subsets_and_order(estimator):
    X = np.random.default_rng(5).normal(size=(30, 6))
    est = clone(estimator).fit(X)
    full = est.transform(X)
    np.testing.assert_allclose(est.transform(X[:10]), full[:10], rtol=1e-7, atol=1e-7)
    order = np.random.default_rng(6).permutation(30)
    np.testing.assert_allclose(est.transform(X[order]), full[order], rtol=1e-7, atol=1e-7)


@pytest.fixture(scope="module")
def bars():
    X, S, A = lsc.generate_bars(600, seed=11)
    return X, A


@pytest.fixture(scope="module")
def fitted(bars):
    X, _ = bars
    # 3000 steps are too few for the default small start to grow; a unit start learns the bars in them.
    return lsc.LangevinDictionaryLearning(n_components=16, prior="l0", pi=0.3, learn_pi=True, steps=3000,
                                          sampler="mala", init_scale=1.0, random_state=0, threads=1,
                                          progress=False).fit(X)


def test_fitted_attributes(fitted, bars):
    X, _ = bars
    assert fitted.components_.shape == (16, 64) and fitted.n_features_in_ == 64
    assert fitted.prior_ == "l0" and 0 < fitted.pi_ <= 1 and fitted.sigma_ == 0.5 and fitted.lambda_ == 1.0
    assert fitted.n_iter_ == 3000 and not fitted.stopped_early_ and 0.2 < fitted.acceptance_ <= 1
    assert fitted.config_["steps"] == 3000 and fitted.config_["sampler"] == "mala" and fitted.config_["K"] == 16
    assert set(fitted.metrics_) == {"step", "elapsed_s", "reconstruction_error", "active_fraction", "pi", "sigma",
                                    "lambda", "mean_norm", "tau_u", "acceptance", "ess", "ess_active"}
    assert np.all((fitted.metrics_["acceptance"] > 0) & (fitted.metrics_["acceptance"] < 1))
    # Of the 200 learning steps of each hold of 400; none before the first hold ends.
    held = fitted.metrics_["step"] >= 400
    ess = fitted.metrics_["ess"]
    assert np.all(np.isnan(ess[~held])) and np.all((ess[held] >= 1) & (ess[held] <= 200))
    assert fitted.metrics_["pi"][-1] == fitted.pi_
    model = fitted.model_
    np.testing.assert_array_equal(model.components, fitted.components_)
    assert model.prior.pi == fitted.pi_


def test_transform_is_the_posterior_mean_and_samples_have_its_mean(fitted, bars):
    X, _ = bars
    rows = X[:40]
    est = clone(fitted).set_params(transform_chains=8, transform_samples=400, transform_burn_in=100)
    est.__dict__.update({k: v for k, v in fitted.__dict__.items() if k.endswith("_")})
    p = est.posterior(rows)
    np.testing.assert_array_equal(est.transform(rows), p.mean)
    assert p.mean.shape == (40, 16) and np.all(p.mean >= 0) and np.all((0 <= p.p_active) & (p.p_active <= 1))
    draws = est.sample_posterior(rows, n_samples=400, burn_in=100)
    assert draws.shape == (400, 40, 16)
    # One chain's time average against 8 chains' (both estimate the posterior mean): the
    # difference of the per-row means, pooled over the 640 (row, element) pairs, has mean 0;
    # its standard error comes from the spread over rows, which are independent.
    diff = (draws.mean(axis=0) - p.mean).mean(axis=1)
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    assert abs(diff.mean()) < 4 * se + 1e-12, (diff.mean(), se)


def test_subsets_agree_within_the_monte_carlo_error(fitted, bars):
    """What check_methods_subset_invariance asks, in the form that holds for a Monte Carlo
    transform: a row's posterior mean computed in a subset (other noise) differs from the one
    computed in the full set by Monte Carlo error only, which has mean 0."""
    X, _ = bars
    rows = X[:200]
    full = fitted.transform(rows)
    subset = fitted.transform(rows[1::2])  # every row moves to another position
    diff = (subset - full[1::2]).ravel()
    assert np.any(diff != 0)  # different noise indeed (so the exact check cannot hold)
    # Rows are independent; within a row the 16 differences are correlated, so the standard
    # error uses the per-row sums.
    per_row = (subset - full[1::2]).sum(axis=1)
    se = per_row.std(ddof=1) / np.sqrt(per_row.size)
    assert abs(per_row.mean()) < 4 * se, (per_row.mean(), se)
    assert np.abs(diff).max() < 0.5  # and the error is small next to the coefficients (~1)


def test_pickled_estimator_transforms_the_same(fitted, bars):
    X, _ = bars
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.transform(X[:20]), fitted.transform(X[:20]))


def test_params_map_to_the_core_and_defaults_stay_in_the_core():
    est = lsc.LangevinDictionaryLearning()
    assert all(v is None for k, v in est.get_params().items()
               if k not in ("method", "learn_pi", "learn_sigma", "learn_lambda", "progress"))
    est = lsc.LangevinDictionaryLearning(n_components=32, prior="l0", pi=0.3, learn_pi=True, method="lsc",
                                         random_state=0)
    assert est.get_params()["n_components"] == 32
    assert clone(est).get_params() == est.get_params()
    with pytest.raises(lsc.LscError, match="K must be at least 1"):
        lsc.DSC(n_components=0, progress=False).fit(np.ones((5, 4)))
    with pytest.raises(ValueError, match="random_state must be"):
        lsc.DSC(random_state=-3, progress=False).fit(np.ones((5, 4)))


def test_from_run_refuses_a_run_of_another_method(tmp_path):
    run = lsc.train("bars", method="dsc", steps=5, threads=1, progress=False, out=tmp_path / "r")
    assert lsc.DSC.from_run(tmp_path / "r").components_.shape == (16, 64)
    assert lsc.LangevinDictionaryLearning.from_run(run).method == "dsc"
    with pytest.raises(lsc.LscError, match="learned with method 'dsc'"):
        lsc.SSC.from_run(run)
