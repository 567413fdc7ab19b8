#!/usr/bin/python3
"""Time to features: wall time until a dictionary learned from natural-image patches is Gabor-like.

    PYTHONPATH=build/python /usr/bin/python3 bench/time_to_features.py --K 64 256

Run it with Debian's /usr/bin/python3 (numpy, python3-sklearn) after a build. It cuts 8×8
whitened patches of the BSDS300 training images with `lsc patches` (50 000, the issue's data),
then learns from them with
  - L0-LSC at lsc's defaults: `lsc train --data X.npy --K K` (σ 0.5, π 0.3),
  - the same on the fused float32 engine (`--dtype float32`; method l0lsc_f32),
  - DSC: `lsc train --data X.npy --K K --method dsc --prior l1` (λ 1, σ 0.5),
  - scikit-learn's MiniBatchDictionaryLearning with the same objective (alpha = λσ², batch 200,
    coordinate descent, one partial_fit per step like DSC's one dictionary update per batch),
each in segments: after every segment the dictionary is scored by lsc.evaluate_dictionary (the
fraction of used elements with a Gabor fit of R² ≥ 0.7; docs/evaluation.md), outside the timed
part. lsc runs continue bit-exactly from a checkpoint (`--resume`), so the segments are one run
and the time is the run's own elapsed_s. A method stops at the first segment that reaches
--target (--run-all: every segment). Prints one line per segment and one JSON line per K with the
first time each method's fraction reached --target.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "build", "python"))
import lsc  # noqa: E402

LSC = os.path.join(ROOT, "build", "lsc")


def lsc_segments(name, X_path, K, options, segment, total, threads, work, target):
    """(elapsed_s, gabor_fraction) after every `segment` steps of one lsc run."""
    out = os.path.join(work, f"{name}_{K}")
    points = []
    for steps in range(segment, total + 1, segment):
        cmd = [LSC, "train", "--data", X_path, "--K", str(K), *options, "--steps", str(steps),
               "--metrics-every", str(segment // 10), "--checkpoint-every", str(segment),
               "--threads", str(threads), "--quiet", "--out", out]
        if steps > segment:
            cmd.append("--resume")
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "model.json")) as f:
            elapsed = json.load(f)["elapsed_s"]
        q = lsc.evaluate_dictionary(out, threads=threads)
        points.append((elapsed, q["gabor_fraction"], q["used"]))
        print(f"{name:9s} K {K:4d} steps {steps:7d} {elapsed:8.1f} s  Gabor-like {q['gabor_fraction']:.2f} "
              f"of {q['used']} used", flush=True)
        if target is not None and q["gabor_fraction"] >= target:
            break
    return points


def sklearn_segments(X, K, alpha, batch, segment, total, seed, target):
    from sklearn.decomposition import MiniBatchDictionaryLearning
    # Coordinate descent: the default LARS takes 20× longer per batch here for the same solution.
    model = MiniBatchDictionaryLearning(n_components=K, alpha=alpha, batch_size=batch, random_state=seed,
                                        fit_algorithm="cd", transform_algorithm="lasso_cd")
    rng = np.random.default_rng(seed)
    elapsed, points = 0.0, []
    for steps in range(segment, total + 1, segment):
        start = time.perf_counter()
        for _ in range(segment):
            model.partial_fit(X[rng.integers(0, len(X), batch)])
        elapsed += time.perf_counter() - start
        q = lsc.evaluate_dictionary(np.ascontiguousarray(model.components_))
        points.append((elapsed, q["gabor_fraction"], q["used"]))
        print(f"sklearn   K {K:4d} steps {steps:7d} {elapsed:8.1f} s  Gabor-like {q['gabor_fraction']:.2f}", flush=True)
        if target is not None and q["gabor_fraction"] >= target:
            break
    return points


def first_time(points, target):
    return next((t for t, g, _ in points if g >= target), None)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", default=os.path.join(ROOT, "..", "shared", "data", "bsds300", "images", "train"))
    p.add_argument("--K", type=int, nargs="+", default=[64, 256])
    p.add_argument("--target", type=float, default=0.7)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lsc-steps", type=int, nargs=2, default=[20000, 200000], metavar=("SEGMENT", "TOTAL"))
    p.add_argument("--dsc-steps", type=int, nargs=2, default=[500, 5000], metavar=("SEGMENT", "TOTAL"))
    p.add_argument("--sklearn-steps", type=int, nargs=2, default=[500, 5000], metavar=("SEGMENT", "TOTAL"))
    p.add_argument("--methods", nargs="+", default=["l0lsc", "l0lsc_f32", "dsc", "sklearn"])
    p.add_argument("--run-all", action="store_true", help="run every segment, also after the target is reached")
    a = p.parse_args()
    stop = None if a.run_all else a.target
    os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(a.threads))
    with tempfile.TemporaryDirectory() as work:
        X_path = os.path.join(work, "X.npy")
        subprocess.run([LSC, "patches", a.images, "--patch", "8", "--n", "50000", "--out", X_path], check=True,
                       stdout=subprocess.DEVNULL)
        X = np.load(X_path)
        for K in a.K:
            runs = {}
            if "l0lsc" in a.methods:
                runs["l0lsc"] = lsc_segments("l0lsc", X_path, K, [], *a.lsc_steps, a.threads, work, stop)
            if "l0lsc_f32" in a.methods:
                runs["l0lsc_f32"] = lsc_segments("l0lsc_f32", X_path, K, ["--dtype", "float32"], *a.lsc_steps,
                                                 a.threads, work, stop)
            if "dsc" in a.methods:
                runs["dsc"] = lsc_segments("dsc", X_path, K, ["--method", "dsc", "--prior", "l1"], *a.dsc_steps,
                                           a.threads, work, stop)
            if "sklearn" in a.methods:
                runs["sklearn"] = sklearn_segments(X, K, 1.0 * 0.5 ** 2, 200, *a.sklearn_steps, seed=0, target=stop)
            print(json.dumps({"K": K, "target": a.target, "threads": a.threads,
                              "time_to_target_s": {m: first_time(pts, a.target) for m, pts in runs.items()},
                              "final_gabor_fraction": {m: pts[-1][1] for m, pts in runs.items()},
                              "final_time_s": {m: pts[-1][0] for m, pts in runs.items()}}), flush=True)


if __name__ == "__main__":
    main()
