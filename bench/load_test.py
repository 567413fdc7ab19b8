#!/usr/bin/env python3
"""lsc's threads on cores that other processes share (issue 19, docs/benchmarks.md).

Runs `lsc bench step` (D 64, K 256, N 1024, float32) and a short bars training with 1 and with 2
threads (and the step with the default, --threads 0), interleaved, first on the idle machine and
then while busy processes of this script's own spin on the same cores, and reports steps/s and
wall times. With --check R it fails unless every multi-threaded run under load takes at most R
times as long as the 1-thread run (medians of the rounds); ctest runs it that way (--quick).

    /usr/bin/python3 bench/load_test.py --lsc build/lsc --quick --check 3  # the ctest case
    # the docs' figures: this build against an older binary and against libgomp's spinning waits
    /usr/bin/python3 bench/load_test.py --lsc build/lsc --lsc before=/tmp/old/lsc \
        --lsc spinning=build/lsc,OMP_WAIT_POLICY=active

Each --lsc is [LABEL=]PATH[,VARIABLE=VALUE...], run with this environment plus those variables;
all of them are interleaved. Leave OMP_WAIT_POLICY unset to test lsc's own choice
(src/core/passive_waits.cpp).
"""
import argparse
import ctypes
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

STEP_SIZE = ["--D", "64", "--K", "256", "--N", "1024", "--dtype", "float32"]


def busy_process():
    """A CPU-bound process that dies with this script, even when this script is killed (ctest's timeout)."""
    def die_with_parent():
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    return subprocess.Popen([sys.executable, "-c", "while True: pass"], preexec_fn=die_with_parent)


class Variant:
    """A binary and the variables added to its environment."""
    def __init__(self, spec):
        head, *assignments = spec.split(",")
        label, _, path = head.rpartition("=")
        self.path = os.path.abspath(path)
        self.env = {**os.environ, **dict(a.split("=", 1) for a in assignments)}
        self.label = label or (path + (" " + " ".join(assignments) if assignments else ""))


def effective_wait_policy(variant):
    """libgomp's wait policy and spin count in an lsc process started with this environment."""
    r = subprocess.run([variant.path, "--version"], capture_output=True, text=True,
                       env={**variant.env, "OMP_DISPLAY_ENV": "verbose"})
    found = {}
    for line in r.stderr.splitlines():
        for key in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):
            if line.strip().startswith(key + " ="):
                found[key] = line.split("=", 1)[1].strip().strip("'")
    return found


def step_rate(variant, threads, seconds):
    r = subprocess.run([variant.path, "bench", "step", *STEP_SIZE, "--seconds", str(seconds), "--threads", str(threads)],
                       capture_output=True, text=True, check=True, env=variant.env)
    return json.loads(r.stdout)["steps_per_s"]


def train_seconds(variant, threads, steps, folder):
    start = time.perf_counter()
    subprocess.run([variant.path, "train", "--data", "bars", "--steps", str(steps), "--threads", str(threads),
                    "--out", folder, "--quiet"], capture_output=True, check=True, env=variant.env)
    return time.perf_counter() - start


def measure(variants, args, folder, log):
    """{(variant, workload, threads): [seconds per step or per run]}, the arms interleaved (ABBA) so
    that a drift of the machine's speed hits all alike."""
    arms = [(v, "step", t) for v in variants for t in args.step_threads] + \
           [(v, "train", t) for v in variants for t in args.train_threads]
    times = {(v.label, w, t): [] for v, w, t in arms}
    for r in range(args.rounds):
        for variant, workload, threads in (arms if r % 2 == 0 else arms[::-1]):
            if workload == "step":
                t = 1.0 / step_rate(variant, threads, args.seconds)
            else:
                t = train_seconds(variant, threads, args.train_steps, os.path.join(folder, f"run{threads}"))
            times[(variant.label, workload, threads)].append(t)
            log(f"  round {r + 1}: {variant.label}: {workload} --threads {threads}: " +
                (f"{1 / t:.1f} steps/s" if workload == "step" else f"{t:.2f} s"))
    return times


def describe(key, ts):
    label, workload, threads = key
    if workload == "step":
        return (f"{label}: step  --threads {threads}: " + " / ".join(f"{1 / t:.1f}" for t in ts) +
                f" steps/s (median {1 / statistics.median(ts):.1f})")
    return (f"{label}: train --threads {threads}: " + " / ".join(f"{t:.2f}" for t in ts) +
            f" s (median {statistics.median(ts):.2f})")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lsc", action="append", help="[LABEL=]PATH[,VARIABLE=VALUE...] (default build/lsc); repeatable")
    p.add_argument("--rounds", type=int, default=3, help="runs of each arm per phase")
    p.add_argument("--seconds", type=float, default=2, help="lsc bench step --seconds")
    p.add_argument("--train-steps", type=int, default=200000, help="steps of the bars training")
    p.add_argument("--busy", type=int, default=2, help="busy processes in the loaded phase")
    p.add_argument("--step-threads", type=int, nargs="+", default=[1, 2, 0])
    p.add_argument("--train-threads", type=int, nargs="*", default=[1, 2], help="none: no training runs")
    p.add_argument("--phases", nargs="+", choices=["idle", "loaded"], default=["idle", "loaded"])
    p.add_argument("--quick", action="store_true",
                   help="the ctest case: loaded phase only, 2 rounds, 1-s steps, 50 000 training steps")
    p.add_argument("--check", type=float, help="fail if a loaded multi-threaded run takes more than this times the 1-thread one")
    p.add_argument("--json", help="write the times to this file")
    args = p.parse_args()
    if args.quick:
        args.phases, args.rounds, args.seconds, args.train_steps = ["loaded"], 2, 1, 50000
    variants = [Variant(spec) for spec in args.lsc or [os.path.join(os.path.dirname(__file__), "..", "build", "lsc")]]
    for v in variants:
        if not os.path.exists(v.path):
            sys.exit(f"load_test: {v.path} does not exist; build lsc first or pass --lsc.")

    def log(line):
        print(line, flush=True)

    # ctest's timeout sends SIGTERM or SIGKILL: the first ends through the finally below, the
    # second through the busy processes' death signal.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("load_test: terminated."))
    log(f"{os.cpu_count()} cores; OMP_WAIT_POLICY in this environment: {os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    results = {"cores": os.cpu_count(), "wait_policy": {}}
    for v in variants:
        results["wait_policy"][v.label] = effective_wait_policy(v)
        log(f"{v.label}: {v.path}; libgomp in it: {results['wait_policy'][v.label]}")
    with tempfile.TemporaryDirectory() as folder:
        if "idle" in args.phases:
            log("idle (load average %.1f):" % os.getloadavg()[0])
            results["idle"] = measure(variants, args, folder, log)
        if "loaded" in args.phases:
            log(f"loaded ({args.busy} busy processes; load average before them {os.getloadavg()[0]:.1f}):")
            busy = [busy_process() for _ in range(args.busy)]
            try:
                time.sleep(0.5)
                results["loaded"] = measure(variants, args, folder, log)
            finally:
                for b in busy:
                    b.kill()
                    b.wait()
    failures = []
    for phase in ("idle", "loaded"):
        if phase not in results:
            continue
        log(f"{phase}:")
        for key, ts in results[phase].items():
            log("  " + describe(key, ts))
        for (label, workload, threads), ts in results[phase].items():
            one = results[phase].get((label, workload, 1))
            if threads == 1 or not one:
                continue
            ratio = statistics.median(ts) / statistics.median(one)
            log(f"  {label}: {workload} --threads {threads} takes {ratio:.2f}x the time of --threads 1")
            if phase == "loaded" and args.check and ratio > args.check:
                failures.append(f"under load, {label}: {workload} --threads {threads} took {ratio:.2f} times as long "
                                f"as --threads 1 (at most {args.check} allowed)")
    if args.json:
        for phase in ("idle", "loaded"):
            if phase in results:
                results[phase] = {" ".join(map(str, key)): ts for key, ts in results[phase].items()}
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if failures:
        sys.exit("load_test: " + "; ".join(failures) + ".")


if __name__ == "__main__":
    main()
