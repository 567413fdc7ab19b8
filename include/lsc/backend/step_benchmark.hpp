#pragma once
// Throughput of the fused step against its own roofline, on fixed random data: the service
// under `lsc bench step` (and the whole-run comparison with the NumPy and PyTorch peers in
// bench/compare_peers.py, which do the same step with the same parameters).
#include <cstdint>
#include <memory>
#include <string>

#include "lsc/backend/step_engine.hpp"
#include "lsc/dist/communicator.hpp"

namespace lsc {

struct StepBenchmarkOptions {
  Index D = 64, K = 256, N = 1024;
  Dtype dtype = Dtype::float32;
  Backend backend = Backend::cpu;
  double seconds = 3;  // per measurement (the step, then the products alone)
  int threads = 0;     // 0: all cores
  bool tf32 = false;
  // Several ranks (a collective call): each steps its share of the N chains (docs/mpi.md).
  std::shared_ptr<dist::Communicator> ranks;
  bool ordered_reduction = true;
};

struct StepBenchmarkResult {
  double steps_per_s = 0;           // the L0-LSC learning step (coefficients + dictionary)
  double products_steps_per_s = 0;  // its three matrix products alone, same library and buffers (of this rank's share)
  double flops_per_step = 0;        // 6·D·K·N, the products' floating-point operations (all ranks)
  double communication_s_per_step = 0;  // seconds per step exchanging sums with the other ranks, waiting
                                        // included (the rank that spent the most)
  std::string engine;               // e.g. "cpu float32 (2 threads)"
};

// The step of ../shared/bench/numpy_peer.py: A = 0.3·N(0, 1) (D×K), u ~ U(0, 1), X ~ N(0, 1),
// L0 prior with λ = 1 and u0 = 1.2 (π = e^−1.2), σ² = 0.25, ε = 0.01, τ_A = 1000.
StepBenchmarkResult benchmark_step(const StepBenchmarkOptions& options);

}  // namespace lsc
