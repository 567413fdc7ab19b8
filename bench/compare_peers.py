#!/usr/bin/env python3
"""Whole-run comparison of lsc's fused step with its peers, in one run on one machine.

    /usr/bin/python3 bench/compare_peers.py [--lsc build/lsc] [--seconds 3] [--threads 1 2]
        [--backend cpu|cuda] [--out docs/benchmarks]

For each size D,K,N it times (1) `lsc bench step` (the fused L0-LSC learning step and its three
products alone through the same BLAS), (2) ../shared/bench/numpy_peer.py doing the same step
with the same BLAS threads, and on --backend cuda (3) ../shared/bench/torch_peer.py (eager,
torch.compile and bare cuBLAS). Prints the ratios of the performance issue, writes
peers.json, and with --roofline sweeps N and draws roofline_<backend>.png (achieved GFLOP/s of
the step and of the products alone against N).
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench"
CPU_SIZES = ["64,256,1024", "64,16,100", "144,169,4096"]
GPU_SIZES = ["64,256,1024", "64,256,16384", "64,256,131072", "144,169,32768", "64,16,100"]


def lsc_step(lsc, size, dtype, backend, threads, seconds, tf32=False):
    D, K, N = size.split(",")
    cmd = [lsc, "bench", "step", "--D", D, "--K", K, "--N", N, "--dtype", dtype, "--backend", backend,
           "--threads", str(threads), "--seconds", str(seconds)] + (["--tf32"] if tf32 else [])
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def numpy_peer(size, dtype, threads, seconds):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, str(SHARED / "numpy_peer.py"), "--dtype", dtype, "--seconds", str(seconds), size],
                         check=True, capture_output=True, text=True, env=env).stdout
    m = re.search(r"numpy step (\d+) steps/s; products alone (\d+) steps/s", out)
    return {"steps_per_s": float(m.group(1)), "products_steps_per_s": float(m.group(2))}


def torch_peer(sizes):
    out = subprocess.run([sys.executable, str(SHARED / "torch_peer.py")] + sizes, check=True, capture_output=True,
                         text=True).stdout
    return out


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lsc", default=str(ROOT / "build" / "lsc"))
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--backend", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--sizes", nargs="+")
    p.add_argument("--dtypes", nargs="+", default=["float32"])
    p.add_argument("--roofline", action="store_true", help="also sweep N at D=64, K=256 and plot")
    p.add_argument("--out", default=str(ROOT / "docs" / "benchmarks"))
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = a.sizes or (GPU_SIZES if a.backend == "cuda" else CPU_SIZES)
    machine = {"cpu": cpu_name(), "cores": os.cpu_count(), "backend": a.backend}
    rows = []
    print(f"machine: {machine['cpu']}, {machine['cores']} cores; {a.seconds} s per measurement")
    print(f"{'D,K,N':>14} {'dtype':>8} {'thr':>3} {'lsc step/s':>11} {'products/s':>11} {'step/prod':>9} "
          f"{'numpy/s':>9} {'lsc/numpy':>9}")
    for threads in ([1] if a.backend == "cuda" else a.threads):
        for dtype in a.dtypes:
            for size in sizes:
                r = lsc_step(a.lsc, size, dtype, a.backend, threads, a.seconds)
                row = {"size": size, "dtype": dtype, "threads": threads, "lsc": r}
                if a.backend == "cpu":
                    row["numpy"] = numpy_peer(size, dtype, threads, a.seconds)
                    row["lsc_over_numpy"] = r["steps_per_s"] / row["numpy"]["steps_per_s"]
                rows.append(row)
                numpy_s = row.get("numpy", {}).get("steps_per_s", float("nan"))
                print(f"{size:>14} {dtype:>8} {threads:>3} {r['steps_per_s']:>11.0f} {r['products_steps_per_s']:>11.0f} "
                      f"{r['ratio']:>9.2f} {numpy_s:>9.0f} {row.get('lsc_over_numpy', float('nan')):>9.1f}", flush=True)
    result = {"machine": machine, "seconds": a.seconds, "rows": rows}
    if a.backend == "cuda":
        result["torch_peer"] = torch_peer(sizes)
        print(result["torch_peer"])
    if a.roofline:
        sweep = []
        threads = max(a.threads) if a.backend == "cpu" else 1
        for N in [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384] + ([65536, 131072] if a.backend == "cuda" else []):
            # Best of three short runs: one slow run (another tenant, a frequency change) is noise.
            runs = [lsc_step(a.lsc, f"64,256,{N}", "float32", a.backend, threads, 1.0) for _ in range(3)]
            r = {"gflops": max(x["gflops"] for x in runs), "products_gflops": max(x["products_gflops"] for x in runs)}
            sweep.append({"N": N, **r})
            print(f"roofline N={N}: step {r['gflops']:.1f} GFLOP/s, products {r['products_gflops']:.1f} GFLOP/s", flush=True)
        result["roofline"] = {"D": 64, "K": 256, "threads": threads, "points": sweep}
        plot_roofline(result, out / f"roofline_{a.backend}.png")
    (out / f"peers_{a.backend}.json").write_text(json.dumps(result, indent=1))


def plot_roofline(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    pts = result["roofline"]["points"]
    N = [p["N"] for p in pts]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(N, [p["products_gflops"] for p in pts], "k--o", label="three products alone (same BLAS)")
    ax.plot(N, [p["gflops"] for p in pts], "C0-o", label="lsc fused step")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("N (chains per step), D = 64, K = 256, float32")
    ax.set_ylabel("GFLOP/s (6·D·K·N per step)")
    m = result["machine"]
    ax.set_title(f"{m['backend']}: {m['cpu'][:40]}, {result['roofline']['threads']} thread(s)", fontsize=9)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
