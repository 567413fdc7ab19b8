"""lsc's MAP estimate and scikit-learn's sparse_encode solve the same problem under the mapping
that bench/map_vs_sklearn.py uses to compare them: α = λσ².

lsc minimises E(s) = ‖x − As‖²/(2σ²) + λ‖s‖₁ (Laplace prior), which is (1/σ²)(½‖x − As‖² + λσ²‖s‖₁);
sparse_encode(algorithm="lasso_cd" or "lasso_lars", alpha=α) fits Lasso / LassoLars with
alpha = α/n_features to objectives with a 1/(2 n_features) in front of ‖x − As‖², i.e.
(1/D)(½‖x − As‖² + α‖s‖₁). Both are solved to rounding level here, so their energies must agree
far inside 1e-6 relative, while a mapping off by the factor D (forgetting sklearn's division)
or σ² misses by orders of magnitude more.
"""
import warnings

import numpy as np
import pytest

import lsc

sklearn_decomposition = pytest.importorskip("sklearn.decomposition")

D, K, N = 8, 12, 20
LAM, SIGMA = 1.0, 0.5


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((D, K))
    A /= np.linalg.norm(A, axis=0)
    S = rng.laplace(scale=1 / LAM, size=(N, K))
    X = S @ A.T + SIGMA * rng.standard_normal((N, D))
    return A, np.ascontiguousarray(X)


def energy(A, X, S):
    R = X - S @ A.T
    return float((R * R).sum() / (2 * SIGMA**2) + LAM * np.abs(S).sum())


def sklearn_code(A, X, alpha, algorithm):
    # sparse_encode leaves Lasso's stopping tolerance at 1e-4 of the duality gap; restarting it
    # from its own answer (init=, lasso_cd's warm start) runs at least one more sweep each time,
    # which takes coordinate descent on this tiny problem to rounding level.
    code = sklearn_decomposition.sparse_encode(X, A.T, algorithm=algorithm, alpha=alpha, max_iter=100000)
    if algorithm == "lasso_cd":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(100):
                code = sklearn_decomposition.sparse_encode(X, A.T, algorithm="lasso_cd", alpha=alpha,
                                                           init=code, max_iter=100000)
    return code


@pytest.fixture(scope="module")
def lsc_energy(problem):
    A, X = problem
    model = lsc.Model(A.T, SIGMA, lsc.Prior("laplace", lam=LAM))
    post = lsc.infer(X, model, method="map", map_steps=20000, threads=1, progress=False)
    return energy(A, X, post.mean)


@pytest.mark.parametrize("algorithm", ["lasso_cd", "lasso_lars"])
def test_sklearn_reaches_lsc_map_objective_at_alpha_lambda_sigma2(problem, lsc_energy, algorithm):
    A, X = problem
    e = energy(A, X, sklearn_code(A, X, LAM * SIGMA**2, algorithm))
    assert abs(e - lsc_energy) / abs(lsc_energy) < 1e-6


@pytest.mark.parametrize("alpha", [LAM * SIGMA**2 * D, LAM])
def test_a_wrong_mapping_misses(problem, lsc_energy, alpha):
    # The negative control: the mappings that forget sklearn's 1/n_features or lsc's σ².
    A, X = problem
    e = energy(A, X, sklearn_code(A, X, alpha, "lasso_cd"))
    assert (e - lsc_energy) / abs(lsc_energy) > 1e-3


def test_map_tolerance_stops_early_near_the_minimum(problem, lsc_energy):
    # map_tolerance ends the iterations once no coefficient moves by more than it in a step.
    A, X = problem
    model = lsc.Model(A.T, SIGMA, lsc.Prior("laplace", lam=LAM))
    for method in ("map", "lca"):
        post = lsc.infer(X, model, method=method, map_steps=10**7, map_tolerance=1e-10, threads=1, progress=False)
        assert abs(energy(A, X, post.mean) - lsc_energy) / abs(lsc_energy) < 1e-6
    with pytest.raises(lsc.LscError, match="map-tolerance"):
        lsc.infer(X, model, method="map", map_tolerance=-1.0, progress=False)
