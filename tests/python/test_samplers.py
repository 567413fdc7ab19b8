"""The samplers of lsc.infer (issue 18): every method samples the closed-form Gaussian posterior
within its Monte Carlo error, their options reach the core, and bad values are refused."""
import numpy as np
import pytest

import lsc


def gaussian_case():
    rng = np.random.default_rng(5)
    A = 0.4 * rng.standard_normal((6, 4))  # D 6, K 4
    model = lsc.Model(A.T, 0.5, lsc.Prior("gaussian", lam=1.0))  # components (K, D)
    X = rng.standard_normal((3, 6))
    P = A.T @ A / 0.25 + np.eye(4)
    mu = np.linalg.solve(P, A.T @ X.T / 0.25).T  # (3, 4)
    return model, X, mu


@pytest.mark.parametrize("method,options", [
    ("hmc", {}), ("hmc", {"precondition": False, "leapfrog": 4}), ("ghmc", {}), ("ghmc", {"friction": 2.0}),
])
def test_exact_samplers_match_the_closed_form_posterior_mean(method, options):
    model, X, mu = gaussian_case()
    p = lsc.infer(X, model, method=method, chains=8, samples=800, burn_in=300, diagnose_points=3, seed=3,
                  progress=False, **options)
    z = np.abs(p.mean - mu) / p.diagnostics["mcse_mean"]
    assert z.max() < 4, (method, options, z)
    assert np.all(p.diagnostics["rhat"] < 1.05)


def test_baoab_is_exact_in_u_for_a_gaussian_posterior():
    model, X, mu = gaussian_case()
    p = lsc.infer(X, model, method="baoab", chains=8, samples=800, burn_in=300, diagnose_points=3, seed=4,
                  progress=False)
    assert (np.abs(p.mean - mu) / p.diagnostics["mcse_mean"]).max() < 4


def test_the_default_is_hmc_with_dead_zone_jumps():
    assert lsc.InferConfig().method == "hmc"
    assert lsc.InferConfig().dead_zone_jumps is None  # unset: on for the kinetic samplers


@pytest.mark.parametrize("options,word", [
    ({"friction": -1.0}, "--friction"), ({"leapfrog": 0}, "--leapfrog"), ({"target_accept": 1.5}, "--target-accept"),
])
def test_bad_sampler_options_are_refused_in_one_sentence(options, word):
    model, X, _ = gaussian_case()
    with pytest.raises(ValueError, match=word):
        lsc.infer(X, model, samples=10, burn_in=0, progress=False, **options)


def test_lsc_train_refuses_the_kinetic_samplers_in_one_sentence():
    # They learned no better than euler, and their momentum is not checkpointed (docs/parameters.md,
    # "Samplers in learning").
    for sampler in ("hmc", "ghmc", "baoab"):
        with pytest.raises(ValueError, match="lsc infer"):
            lsc.train("bars", sampler=sampler, steps=10, progress=False)
