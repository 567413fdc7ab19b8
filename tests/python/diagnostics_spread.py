"""Measures the Monte Carlo spread of the diagnostics, from which tests/eval/test_diagnostics.cpp
takes its tolerances (the numbers are quoted in its comments).

    /usr/bin/python3 tests/python/diagnostics_spread.py [replicates]

For each scenario of the C++ test: the mean, standard deviation, minimum and maximum over
independent replicates (NumPy's generator, seeds 0, 1, ...) of the reference implementation in
diagnostics_reference.py.
"""
import sys

import numpy as np
from scipy.signal import lfilter

from diagnostics_reference import reference


def ar1(rng, phi, chains, draws):
    e = rng.standard_normal((chains, draws))
    e[:, 0] /= np.sqrt(1 - phi * phi)  # the stationary start
    return lfilter([1.0], [1.0, -phi], e, axis=1)


M, T = 4, 1000
S = 2 * M * (T // 2)
SCENARIOS = {
    "iid normal": lambda rng: rng.standard_normal((M, T)),
    "ar1 0.5": lambda rng: ar1(rng, 0.5, M, T),
    "ar1 0.9": lambda rng: ar1(rng, 0.9, M, 2 * T),
    "shifted means 0.5 m": lambda rng: rng.standard_normal((M, T)) + 0.5 * np.arange(M)[:, None],
    "scales 1 + m": lambda rng: rng.standard_normal((M, T)) * (1.0 + np.arange(M))[:, None],
    "bernoulli 0.3": lambda rng: (rng.uniform(size=(M, T)) < 0.3).astype(float),
}
# What each scenario's ESS is compared with: S(1 − φ)/(1 + φ) for an AR(1) (the asymptotic
# variance of its mean), S for independent draws.
TRUE_ESS = {"ar1 0.5": S / 3, "ar1 0.9": 2 * S * 0.1 / 1.9}


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    for name, make in SCENARIOS.items():
        rows = [reference(make(np.random.default_rng(seed))) for seed in range(reps)]
        ess_unit = TRUE_ESS.get(name, S)
        print(f"{name} ({reps} replicates, ESS as a fraction of {ess_unit:.1f})")
        for key in ["rhat", "rhat_bulk", "rhat_folded", "ess_bulk", "ess_tail", "ess_mean"]:
            v = np.array([r[key] for r in rows])
            if key.startswith("ess"):
                v = v / ess_unit
            print(f"  {key:12s} mean {v.mean():.5f}  sd {v.std(ddof=1):.5f}  min {v.min():.5f}  max {v.max():.5f}")


if __name__ == "__main__":
    main()
