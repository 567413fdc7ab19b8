"""Reference values for lsc's MCMC diagnostics (include/lsc/eval/diagnostics.hpp).

An implementation of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), "Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of MCMC", with the
definitions of ArviZ (arviz.rhat, arviz.ess, arviz.mcse) and lsc's documented choices where ArviZ
gives NaN. It shares no code with the C++ and uses other means where it can: SciPy's rankdata,
ndtri and mquantiles, autocovariances by direct sums (np.correlate) instead of an FFT, and the
truncation written over whole arrays.

    /usr/bin/python3 tests/python/diagnostics_reference.py

rewrites tests/eval/diagnostics_reference.inc, the expected values of the C++ test, from the
cases below. The draws of each case come from draws_of(), a splitmix64 + Box-Muller generator
that the C++ test repeats bit for bit. test_diagnostics.py checks lsc.diagnostics against
reference() directly.
"""
import math
import os

import numpy as np
from scipy import special, stats

MASK = (1 << 64) - 1


class SplitMix64:
    """Steele, Lea & Flood's splitmix64: a generator short enough to repeat exactly in C++."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):  # in (0, 1): the top 53 bits, centred in their cell
        return ((self.next() >> 11) + 0.5) * 2.0 ** -53

    def normal(self):  # Box-Muller, the cosine half only
        u1, u2 = self.uniform(), self.uniform()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def draws_of(kind, param, seed, chains, draws):
    """A (chains, draws) array; each chain from its own generator seeded seed·1000 + chain.

    normal: N(0, 1). ar1: x_t = param·x_{t−1} + e_t from the stationary start. shift: N(param·m, 1)
    for chain m. scale: N(0, (1 + param·m)²). cauchy: a ratio of two normals. bernoulli:
    1{u < param}. levels: ⌊param·u⌋ (ties). constant: param everywhere. chainconst: chain m ≡ m.
    """
    x = np.empty((chains, draws))
    for m in range(chains):
        g = SplitMix64(seed * 1000 + m)
        if kind == "ar1":
            v = g.normal() / math.sqrt(1.0 - param * param)
            for t in range(draws):
                if t > 0:
                    v = param * v + g.normal()
                x[m, t] = v
            continue
        for t in range(draws):
            if kind == "normal":
                v = g.normal()
            elif kind == "shift":
                v = g.normal() + param * m
            elif kind == "scale":
                v = g.normal() * (1.0 + param * m)
            elif kind == "cauchy":
                a = g.normal()
                v = a / g.normal()
            elif kind == "bernoulli":
                v = 1.0 if g.uniform() < param else 0.0
            elif kind == "levels":
                v = float(math.floor(param * g.uniform()))
            elif kind == "constant":
                v = param
            elif kind == "chainconst":
                v = float(m)
            else:
                raise ValueError(kind)
            x[m, t] = v
    return x


# (name, kind, param, seed, chains, draws): what the C++ test checks against the reference.
CASES = [
    ("normal", "normal", 0.0, 1, 4, 200),
    ("normal_odd_draws", "normal", 0.0, 2, 3, 101),
    ("one_chain", "normal", 0.0, 3, 1, 400),
    ("ar1_0.9", "ar1", 0.9, 4, 4, 501),
    ("ar1_antithetic", "ar1", -0.7, 5, 4, 300),
    ("shifted_means", "shift", 0.5, 6, 4, 100),
    ("different_scales", "scale", 1.0, 7, 4, 300),
    ("cauchy", "cauchy", 0.0, 8, 4, 250),
    ("bernoulli_0.3", "bernoulli", 0.3, 9, 4, 200),
    ("bernoulli_0.02", "bernoulli", 0.02, 10, 4, 200),
    ("levels", "levels", 3.0, 11, 4, 60),
    ("constant", "constant", 0.0, 12, 4, 50),
    ("chain_constant", "chainconst", 0.0, 13, 2, 10),
    ("four_draws", "normal", 0.0, 14, 2, 4),
    ("five_draws", "normal", 0.0, 15, 2, 5),
]


def split(x):
    """(M, T) → (2M, ⌊T/2⌋): first and last halves, the middle draw of odd T in neither."""
    n = x.shape[1] // 2
    return np.concatenate([x[:, :n], x[:, x.shape[1] - n:]])


def z_scale(x):
    """Rank-normalization (Vehtari et al. 2021, §4) over all entries of x."""
    r = stats.rankdata(x, method="average", axis=None).reshape(x.shape)
    return special.ndtri((r - 0.375) / (x.size + 0.25))


def rhat_basic(x):
    """R-hat of the rows of x (§3); NaN when all entries are equal (undefined)."""
    if np.all(x == x.flat[0]):
        return math.nan
    m, n = x.shape
    means = x.mean(axis=1)
    var = np.array([0.0 if np.all(row == row[0]) else row.var(ddof=1) for row in x])
    W, B = var.mean(), n * means.var(ddof=1)
    if W == 0:
        return math.inf
    return math.sqrt((B / W + n - 1) / n)


def ess_basic(x):
    """ESS of the rows of x (§3.2), Geyer's initial monotone sequence with ArviZ's limits."""
    m, n = x.shape
    S = x.size
    if np.all(x == x.flat[0]):
        return float(S)
    means = x.mean(axis=1)
    c = x - means[:, None]
    acov = np.array([np.correlate(row, row, mode="full")[n - 1:] / n for row in c])
    W = acov[:, 0].mean() * n / (n - 1)
    var_plus = W * (n - 1) / n + means.var(ddof=1)
    rho = 1.0 - (W - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    pairs = rho[0:2 * (n // 2):2] + rho[1:2 * (n // 2):2]
    ks = np.arange(len(pairs))
    stop = (2 * ks + 4 >= n) | (pairs <= 0)
    K = int(np.argmax(stop)) if stop.any() else len(pairs)
    monotone = np.minimum.accumulate(pairs[:K])
    last = rho[2 * K] if (rho[2 * K] > 0 or pairs[K] >= 0) else 0.0
    tau = max(-1.0 + 2.0 * monotone.sum() + last, 1.0 / math.log10(S))
    return S / tau


def reference(draws):
    """The diagnostics of a (chains, draws) array, as a dict of floats."""
    x = np.asarray(draws, dtype=float)
    s = split(x)
    bulk, folded = rhat_basic(z_scale(s)), rhat_basic(z_scale(np.abs(s - np.median(s))))
    defined = [r for r in (bulk, folded) if not math.isnan(r)]
    lo, hi = stats.mstats.mquantiles(x.ravel(), [0.05, 0.95], alphap=1, betap=1)
    ess_mean = ess_basic(s)
    sd = x.std(ddof=1)
    return {
        "mean": x.mean(),
        "sd": sd,
        "rhat": max(defined) if defined else 1.0,
        "rhat_bulk": bulk,
        "rhat_folded": folded,
        "ess_bulk": ess_basic(z_scale(s)),
        "ess_tail": min(ess_basic((s <= lo).astype(float)), ess_basic((s <= hi).astype(float))),
        "ess_mean": ess_mean,
        "mcse_mean": sd / math.sqrt(ess_mean),
    }


FIELDS = ["mean", "sd", "rhat", "rhat_bulk", "rhat_folded", "ess_bulk", "ess_tail", "ess_mean", "mcse_mean"]


def number(v):
    if math.isinf(v):
        return "kInf"
    if math.isnan(v):
        return "kNaN"
    return repr(float(v))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "eval", "diagnostics_reference.inc")
    lines = ["// Generated by tests/python/diagnostics_reference.py (Vehtari et al. 2021 as ArviZ defines it);",
             "// do not edit. {name, kind, param, seed, chains, draws, {" + ", ".join(FIELDS) + "}}"]
    for name, kind, param, seed, chains, draws in CASES:
        r = reference(draws_of(kind, param, seed, chains, draws))
        values = ", ".join(number(r[f]) for f in FIELDS)
        lines.append(f'{{"{name}", "{kind}", {param!r}, {seed}, {chains}, {draws}, {{{values}}}}},')
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {os.path.normpath(out)} ({len(CASES)} cases)")


if __name__ == "__main__":
    main()
