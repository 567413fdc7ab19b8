#!/usr/bin/env python3
"""When does communication dominate data-parallel L0-LSC learning? (docs/mpi.md)

A step on P ranks with n chains each (a global batch of N = n·P) costs every rank
6·D·K·n flops of products at R flop/s: 4·D·K·n in the coefficient phase (R = A S − X and
G = Aᵀ R), which needs no communication, and 2·D·K·n in the dictionary update, which is where
the ranks meet (plus a few hundred bytes of statistics per step). Two reductions:

  ordered   (lsc's default, the same bits for any P): the update is folded over the chunks in
            order, so rank r continues the partial A of ranks 0..r−1. Sent as G = K/w groups of
            w columns, the ranks form a pipeline: the fold takes (G + P − 1) group-times instead of
            G, then the last rank broadcasts A (4·D·K bytes down a tree).
  allreduce (--reduction allreduce): every rank folds its own chunks, then MPI_Allreduce sums
            the D·K partial updates (bandwidth-optimal: 2·(P−1)/P · 4·D·K bytes per rank).

Efficiency = (6·D·K·n / R) / (time of the step), for a network of bandwidth B and latency α per
message. Prints a Markdown table; the defaults are this machine's measured single-core rate and
a 100 Gb/s network with RDMA latency.
"""
import argparse
import math


def step_times(D, K, n, P, R, B, alpha, w):
    coefficients = 4 * D * K * n / R
    fold = 2 * D * K * n / R
    groups = math.ceil(K / w)
    group_fold = fold / groups
    group_message = alpha + 4 * D * w / B
    tree = math.ceil(math.log2(P)) if P > 1 else 0
    statistics = tree * alpha  # the per-chunk statistics: a few hundred bytes, latency-bound
    broadcast = tree * alpha + 2 * 4 * D * K / B if P > 1 else 0  # pipelined tree
    ordered = coefficients + (groups + P - 1) * group_fold + (P - 1) * group_message + broadcast + statistics
    allreduce = coefficients + fold + (2 * (P - 1) / P * 4 * D * K / B + 2 * tree * alpha if P > 1 else 0) + statistics
    return coefficients + fold, ordered, allreduce


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=75e9, help="flop/s of one rank's products (measured: lsc bench step --threads 1)")
    p.add_argument("--bandwidth", type=float, default=12.5e9, help="bytes/s per rank (100 Gb/s)")
    p.add_argument("--latency", type=float, default=2e-6, help="seconds per message")
    p.add_argument("--width", type=int, default=32, help="dictionary columns per pipelined message (kCpuDictChunk)")
    a = p.parse_args()
    print(f"R = {a.rate / 1e9:.0f} GFLOP/s per rank, B = {a.bandwidth / 1e9:.1f} GB/s, α = {a.latency * 1e6:.0f} µs, "
          f"w = {a.width} columns per message\n")
    print("| D | K | chains per rank n | P | step (ideal) ms | ordered: efficiency | allreduce: efficiency |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for D, K in ((64, 256), (256, 1024)):
        for n in (512, 2048):
            for P in (8, 64, 512):
                ideal, ordered, allreduce = step_times(D, K, n, P, a.rate, a.bandwidth, a.latency, a.width)
                print(f"| {D} | {K} | {n} | {P} | {ideal * 1e3:.2f} | {ideal / ordered:.0%} | {ideal / allreduce:.0%} |")


if __name__ == "__main__":
    main()
