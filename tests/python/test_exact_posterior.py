"""The samplers, called from Python, against exact posteriors.

(a) Gaussian prior: the posterior is N(μ, Σ) with Σ = (AᵀA/σ² + λI)⁻¹, μ = Σ Aᵀx/σ² (SVAE eq. 29
    with a rate λ): MALA's posterior mean and covariance must match.
(b) The K = 2 L0 case of science.md, exact by quadrature: P(s1 > 0) = 0.3807, P(s2 > 0) = 0.5891,
    E[s1] = 0.2429, E[s2] = 0.4945.

Standard errors: the same x is repeated on R rows. Every row has its own chains (chain id
n·chains + c keys the noise), so the R per-row estimates are independent whatever the
autocorrelation within a chain, and the standard error of their mean is their standard deviation
over √R. Every comparison allows K_SIGMAS standard errors (plus the rounding of the published
four-digit values in (b)); with 13 comparisons at 4 a false failure has probability about 1e-3.
Seed sweep (done once, locally, seeds 0-7 at the sizes below): the largest |z| was 2.3 for the
Gaussian moments and 2.3 for the L0 values, while the negative control (σ 10 % off) had z ≥ 30.
"""
import numpy as np
import pytest

import lsc

K_SIGMAS = 4.0
ROWS = 64


def z_scores(estimates, exact):
    """|mean − exact| / SE over the rows (axis 0) of independent per-row estimates."""
    estimates = np.asarray(estimates)
    se = estimates.std(axis=0, ddof=1) / np.sqrt(estimates.shape[0])
    return np.abs(estimates.mean(axis=0) - exact) / se, se


@pytest.fixture(scope="module")
def gaussian_case():
    rng = np.random.default_rng(7)
    A = 0.5 * rng.standard_normal((4, 3))  # D×K, as in the C++ test's scale
    x = rng.standard_normal(4)
    sigma, lam = 0.5, 1.0
    precision = A.T @ A / sigma**2 + lam * np.eye(3)
    cov = np.linalg.inv(precision)
    mu = cov @ A.T @ x / sigma**2
    return A, x, sigma, lam, mu, cov


def test_mala_matches_the_gaussian_posterior(gaussian_case):
    A, x, sigma, lam, mu, cov = gaussian_case
    X = np.tile(x, (ROWS, 1))
    p = lsc.sample_posterior(X, A.T, prior=lsc.Prior("gaussian", lam=lam), sigma=sigma, method="mala",
                             chains=4, n_samples=3000, burn_in=300, seed=3, return_samples=True,
                             progress=False)
    assert p.mean.shape == (ROWS, 3) and p.samples.shape == (3000, ROWS, 3)
    z, _ = z_scores(p.mean, mu)
    assert np.all(z < K_SIGMAS), f"posterior mean: z = {z}"
    # Second moments about the exact μ, per row from its chain-0 samples: Σ exactly when the
    # stationary law is right.
    d = p.samples - mu  # (T, R, K)
    moments = np.einsum("tri,trj->rij", d, d) / d.shape[0]
    iu = np.triu_indices(3)
    z_cov, se_cov = z_scores(moments[:, iu[0], iu[1]], cov[iu])
    assert np.all(z_cov < K_SIGMAS), f"posterior covariance: z = {z_cov}"
    # The comparison has power: a model with σ 10 % off gives a visibly different posterior.
    wrong_cov = np.linalg.inv(A.T @ A / (1.1 * sigma) ** 2 + lam * np.eye(3))
    z_wrong, _ = z_scores(moments[:, iu[0], iu[1]], wrong_cov[iu])
    assert z_wrong.max() > 3 * K_SIGMAS, f"a 10 % error in σ went unnoticed: z = {z_wrong}"


def test_l0_posterior_of_the_two_element_case_matches_quadrature():
    A = np.array([[1.0, 0.0, 0.2], [0.6, 0.8, 0.1]])  # (K, D): the columns A1, A2 of science.md
    x = np.array([0.9, 0.7, 0.1])
    X = np.tile(x, (ROWS, 1))
    p = lsc.sample_posterior(X, A, prior="l0", pi=0.3, lam=1.0, sigma=0.5, method="mala", chains=4,
                             n_samples=4000, burn_in=500, seed=5, progress=False)
    exact_active = np.array([0.3807, 0.5891])
    exact_mean = np.array([0.2429, 0.4945])
    rounding = 5e-5  # the published values have four digits
    for name, estimates, exact in (("P(s > 0)", p.p_active, exact_active), ("E[s]", p.mean, exact_mean)):
        est = estimates.mean(axis=0)
        se = estimates.std(axis=0, ddof=1) / np.sqrt(ROWS)
        assert np.all(np.abs(est - exact) < K_SIGMAS * se + rounding), f"{name}: {est} vs {exact} (se {se})"
    assert 0.2 < p.acceptance <= 1.0


def test_map_of_the_gaussian_prior_is_the_posterior_mean(gaussian_case):
    """map inference solves the same problem in closed form for the Gaussian prior (μ is both
    the mean and the mode), to the solver's convergence."""
    A, x, sigma, lam, mu, _ = gaussian_case
    p = lsc.sample_posterior(x[None, :], A.T, prior=lsc.Prior("gaussian", lam=lam), sigma=sigma, method="map",
                             progress=False)
    np.testing.assert_allclose(p.mean[0], mu, atol=1e-9)
    np.testing.assert_array_equal(p.p_active, 1.0)
