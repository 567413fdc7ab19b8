#!/usr/bin/python3
"""MAP inference: lsc against scikit-learn's sparse_encode at equal objective (issue 5).

    cmake --build build && PYTHONPATH=build/python /usr/bin/python3 bench/map_vs_sklearn.py

Run it with Debian's /usr/bin/python3 (numpy, python3-sklearn). One run builds the problems,
solves each once very tightly for the reference minimum f*, finds for every method the cheapest
setting (steps, max_iter or tolerance) whose objective is within --target of f*, and times that
setting, best of --repeats, with one and with two threads. It prints a table and one JSON line
per problem.

The objective. lsc's MAP energy under the Laplace prior (src/model/energy.cpp) is, summed over
the data points,
    f(S) = Σ_n ‖x_n − A s_n‖² / (2σ²) + λ ‖s_n‖₁ = (1/σ²) Σ_n [½‖x_n − A s_n‖² + λσ² ‖s_n‖₁].
sparse_encode(X, dictionary, algorithm="lasso_cd", alpha=α) fits Lasso(alpha=α / n_features) to
(dictionary.T, x_n) (sklearn/decomposition/_dict_learning.py, "account for scaling"); Lasso
minimises ‖x − A s‖² / (2 n_samples) + alpha ‖s‖₁, and here n_samples = n_features = D, so each
column minimises (1/D)[½‖x − A s‖² + α‖s‖₁] (the coordinate descent itself is handed
l1_reg = alpha·n_samples = α, linear_model/_coordinate_descent.py). lasso_lars divides α by
n_features the same way for LassoLars, whose objective has the same 1/(2 n_samples). Both
therefore share lsc's minimiser when
    α = λσ²,
and every method's output is scored with the one f above.
"""
import argparse
import json
import os
import platform
import sys
import time
import warnings

import numpy as np

# sparse_encode's n_jobs workers are separate processes, which do not inherit warnings filters;
# the convergence warnings of deliberately short runs are expected here.
os.environ["PYTHONWARNINGS"] = "ignore"
warnings.simplefilter("ignore")

try:
    import lsc
except ImportError:
    sys.exit("bench/map_vs_sklearn.py needs the lsc package: build it (cmake --build build) and run with "
             "PYTHONPATH=build/python.")
try:
    from sklearn.decomposition import sparse_encode
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Lasso
    from threadpoolctl import threadpool_limits
except ImportError:
    sys.exit("bench/map_vs_sklearn.py needs scikit-learn: run it with Debian's /usr/bin/python3 "
             "(apt-get install python3-sklearn).")

# (name, D, K, N): the bars size of the paper's first experiments, an overcomplete dictionary,
# and the 12×12 image patches with a 13×13 dictionary.
PROBLEMS = [("bars", 64, 16, 100), ("overcomplete", 64, 256, 1024), ("patches", 144, 169, 4096)]
LAM, SIGMA = 1.0, 0.5


def make_problem(D, K, N, seed):
    """Unit-norm random dictionary (D×K), codes from the Laplace prior p(s) ∝ exp(−λ|s|), and
    x = A s + N(0, σ²) noise; X is (N, D), the row layout both libraries take."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((D, K))
    A /= np.linalg.norm(A, axis=0)
    S = rng.laplace(scale=1.0 / LAM, size=(N, K))
    X = S @ A.T + SIGMA * rng.standard_normal((N, D))
    return A, np.ascontiguousarray(X)


def objective(A, X, S):
    """lsc's MAP energy f(S) summed over the rows; S is (N, K)."""
    R = X - S @ A.T
    return float(np.einsum("ij,ij->", R, R) / (2 * SIGMA**2) + LAM * np.abs(S).sum())


def duality_gap(A, X, S):
    """An upper bound on f(S) − f*: the lasso duality gap of every column, in f's units.
    With α = λσ², P(s) = ½‖x − As‖² + α‖s‖₁ ≥ D(θ) = ½‖x‖² − ½‖x − θ‖² for any θ with
    ‖Aᵀθ‖∞ ≤ α; θ is the residual scaled into that set."""
    alpha = LAM * SIGMA**2
    R = X - S @ A.T
    scale = np.maximum(1.0, np.abs(R @ A).max(axis=1) / alpha)
    theta = R / scale[:, None]
    primal = 0.5 * np.einsum("ij,ij->i", R, R) + alpha * np.abs(S).sum(axis=1)
    dual = 0.5 * np.einsum("ij,ij->i", X, X) - 0.5 * np.einsum("ij,ij->i", X - theta, X - theta)
    return float((primal - dual).sum() / SIGMA**2)


# ---- the methods: each maps a budget (steps, max_iter or tolerance) and threads to codes (N, K) ----

def lsc_runner(method, budget_kind):
    def run(A, X, budget, threads):
        model = lsc.Model(A.T, SIGMA, lsc.Prior("laplace", lam=LAM))
        if budget_kind == "steps":
            r = lsc.infer(X, model, method=method, map_steps=int(budget), threads=threads, progress=False)
        else:  # a tolerance on max |ΔS| per step, with a step cap far beyond what any problem needs
            r = lsc.infer(X, model, method=method, map_steps=100000, map_tolerance=budget, threads=threads,
                          progress=False)
        return r.mean
    return run


def sk_encode(algorithm):
    """sparse_encode as a user calls it; its only budget is max_iter (tol stays Lasso's 1e-4)."""
    def run(A, X, budget, threads):
        with warnings.catch_warnings(), threadpool_limits(threads):
            warnings.simplefilter("ignore", ConvergenceWarning)
            return sparse_encode(X, A.T, algorithm=algorithm, alpha=LAM * SIGMA**2, max_iter=int(budget),
                                 n_jobs=threads if threads > 1 else None)
    return run


def sk_lasso_tol(A, X, tol, threads):
    """What sparse_encode(algorithm="lasso_cd") does with one thread (Gram matrix precomputed,
    α / n_features, fit_intercept=False), with the tolerance sparse_encode does not expose."""
    D = A.shape[0]
    with warnings.catch_warnings(), threadpool_limits(threads):
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = Lasso(alpha=LAM * SIGMA**2 / D, fit_intercept=False, precompute=A.T @ A, max_iter=100000,
                    tol=tol, warm_start=True)
        clf.fit(A, X.T, check_input=False)
    return np.atleast_2d(clf.coef_)


# name, runner, budget ladder (cheapest first: step or iteration counts, or tolerances), thread
# counts it is timed with (sparse_encode's n_jobs, lsc's threads).
INT_LADDER = ("int", 1, 5000)
TOL_LADDER = ("list", [10.0 ** (-k / 4) for k in range(4, 49)])
METHODS = [
    ("lsc fista", lsc_runner("map", "steps"), INT_LADDER, (1, 2)),
    ("lsc fista tol", lsc_runner("map", "tol"), TOL_LADDER, (1, 2)),
    ("lsc lca", lsc_runner("lca", "steps"), INT_LADDER, (1, 2)),
    ("sk lasso_cd", sk_encode("lasso_cd"), ("int", 1, 1000), (1, 2)),
    ("sk lasso_cd tol", sk_lasso_tol, TOL_LADDER, (1,)),
    ("sk lasso_lars", sk_encode("lasso_lars"), ("int", 1, 1000), (1, 2)),
]


def cheapest(ladder, gap_of, target):
    """The cheapest budget on the ladder whose relative gap is ≤ target: grow geometrically from
    the cheap end, then bisect the last bracket. The gap falls with the budget up to the
    iterations' small non-monotone wiggles, which can only make the choice a little dearer than
    the true cheapest. None if even the largest budget misses."""
    if ladder[0] == "int":
        at, lo, hi = (lambda i: i), ladder[1], ladder[2]
        grow = lambda i: i * 2
    else:
        at, lo, hi = ladder[1].__getitem__, 0, len(ladder[1]) - 1
        grow = lambda i: i + 4  # the tolerance ladders have 4 rungs a decade
    failed, probe = lo - 1, lo
    while gap_of(at(probe)) > target:
        if probe == hi:
            return None
        failed, probe = probe, min(hi, grow(probe))
    lo, hi = failed + 1, probe
    while lo < hi:
        mid = (lo + hi) // 2
        if gap_of(at(mid)) <= target:
            hi = mid
        else:
            lo = mid + 1
    return at(hi)


def best_time(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run_problem(name, D, K, N, args):
    A, X = make_problem(D, K, N, args.seed)
    # The reference minimum: coordinate descent to a duality gap of 1e-12·‖x‖², certified below.
    S_ref = sk_lasso_tol(A, X, 1e-12, 1)
    f_star = objective(A, X, S_ref)
    certificate = duality_gap(A, X, S_ref) / abs(f_star)  # f* is exact to this relative bound
    density = float(np.mean(S_ref != 0))
    rows = []
    for label, runner, ladder, thread_counts in METHODS:
        if args.methods and label not in args.methods:
            continue
        cache = {}

        def gap_of(budget):
            if budget not in cache:
                cache[budget] = (objective(A, X, runner(A, X, budget, 1)) - f_star) / abs(f_star)
            return cache[budget]

        budget = cheapest(ladder, gap_of, args.target)
        row = {"method": label, "budget": budget, "gap": None if budget is None else cache[budget]}
        for t in args.threads:
            if budget is not None and t in thread_counts:
                row[f"t{t}"] = best_time(lambda: runner(A, X, budget, t), args.repeats)
        rows.append(row)
    out = {"problem": name, "D": D, "K": K, "N": N, "lambda": LAM, "sigma": SIGMA, "alpha": LAM * SIGMA**2,
           "f_star": f_star, "f_star_certified_rel": certificate, "map_density": density,
           "target_rel_gap": args.target, "repeats": args.repeats, "methods": rows}
    for t in args.threads:
        lsc_best = min((r[f"t{t}"] for r in rows if r["method"].startswith("lsc") and f"t{t}" in r), default=None)
        sk_best = min((r[f"t{t}"] for r in rows if r["method"].startswith("sk") and f"t{t}" in r), default=None)
        if lsc_best and sk_best:
            out[f"ratio_sklearn_over_lsc_t{t}"] = sk_best / lsc_best
    return out


def fmt_budget(b):
    return "—" if b is None else (f"{b:.1e}" if isinstance(b, float) else str(b))


def fmt_ms(seconds):
    ms = 1e3 * seconds
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def print_table(result, threads):
    print(f"\n{result['problem']}: D = {result['D']}, K = {result['K']}, N = {result['N']}, λ = {LAM}, σ = {SIGMA}"
          f" (α = λσ² = {result['alpha']}), f* = {result['f_star']:.6f} (certified to "
          f"{result['f_star_certified_rel']:.1e}), MAP density {result['map_density']:.2f}")
    head = f"  {'method':<17}{'budget':>10}{'rel. gap':>11}" + "".join(f"{f'{t} thr [ms]':>13}" for t in threads)
    print(head)
    for r in result["methods"]:
        gap = "missed" if r["gap"] is None else f"{r['gap']:.1e}"
        times = "".join(f"{fmt_ms(r[f't{t}']):>13}" if f"t{t}" in r else f"{'—':>13}" for t in threads)
        print(f"  {r['method']:<17}{fmt_budget(r['budget']):>10}{gap:>11}{times}")
    for t in threads:
        key = f"ratio_sklearn_over_lsc_t{t}"
        if key in result:
            print(f"  fastest sklearn / fastest lsc, {t} thread{'s' if t > 1 else ''}: {result[key]:.2f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--problems", nargs="*", default=[n for n, *_ in PROBLEMS], help="names among "
                   + ", ".join(n for n, *_ in PROBLEMS))
    p.add_argument("--methods", nargs="*", help="only these methods (default: all)")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--repeats", type=int, default=7, help="timed runs per setting; the best is kept")
    p.add_argument("--target", type=float, default=1e-4, help="relative objective gap every method must reach")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    unknown = set(args.problems) - {n for n, *_ in PROBLEMS}
    if unknown:
        p.error(f"unknown problem {sorted(unknown)}; choose among {[n for n, *_ in PROBLEMS]}.")
    import sklearn
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores; lsc {lsc.__version__}, scikit-learn {sklearn.__version__}, "
          f"numpy {np.__version__}; best of {args.repeats}; target relative gap {args.target:g}")
    for name, D, K, N in PROBLEMS:
        if name in args.problems:
            result = run_problem(name, D, K, N, args)
            print_table(result, args.threads)
            print(json.dumps(result))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
