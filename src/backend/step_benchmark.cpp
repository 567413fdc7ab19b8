#include "lsc/backend/step_benchmark.hpp"

#include <algorithm>
#include <chrono>
#include <vector>
#include <cmath>

#include "lsc/core/error.hpp"
#include "lsc/core/memory.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/dist/batch_shard.hpp"

namespace lsc {

namespace {

// Runs f(n) for growing n until one call takes a tenth of the budget, then for the whole budget;
// returns repetitions per second of the budget-long measurement. With several ranks every rank
// takes rank 0's times, so that all run the same (collective) steps.
template <class F>
double rate_of(F&& f, double seconds, dist::Communicator* ranks) {
  using clock = std::chrono::steady_clock;
  const auto time = [&](std::uint64_t n) {
    const auto t0 = clock::now();
    f(n);
    double dt = std::chrono::duration<double>(clock::now() - t0).count();
    if (ranks) ranks->broadcast(&dt, sizeof dt, 0);
    return dt;
  };
  std::uint64_t n = 1;
  for (;;) {
    const double dt = time(n);
    if (dt >= 0.1 * seconds) break;
    n = dt > 0 ? std::max<std::uint64_t>(2 * n, static_cast<std::uint64_t>(n * 0.11 * seconds / dt)) : 2 * n;
  }
  double total = 0;
  std::uint64_t done = 0;
  const std::uint64_t chunk = n;
  while (total < seconds) {
    total += time(chunk);
    done += chunk;
  }
  return static_cast<double>(done) / total;
}

Matrix uniform_matrix(Index rows, Index cols, std::uint64_t seed) {
  Matrix M(rows, cols);
  const Philox rng(seed);
  for (Index j = 0; j < cols; ++j) rng.uniforms(Purpose::data, 100, static_cast<std::uint64_t>(j), M.col(j).data(), rows);
  return M;
}

Matrix normal_matrix(Index rows, Index cols, std::uint64_t seed) {
  Matrix M(rows, cols);
  const Philox rng(seed);
  for (Index j = 0; j < cols; ++j) rng.normals(Purpose::data, 101, static_cast<std::uint64_t>(j), M.col(j).data(), rows);
  return M;
}

}  // namespace

StepBenchmarkResult benchmark_step(const StepBenchmarkOptions& o) {
  require(o.D > 0 && o.K > 0 && o.N > 0, "the benchmark sizes must be positive; pass e.g. --D 64 --K 256 --N 1024.");
  require(o.seconds > 0, "the benchmark needs a positive time per measurement; pass e.g. --seconds 3.");
  {
    const double D = double(o.D), K = double(o.K), N = double(o.N);
    require_memory(8.0 * (4 * D * K + 2 * K * K + 8 * K * N + 4 * D * N),
                   "the step benchmark at D = " + std::to_string(o.D) + ", K = " + std::to_string(o.K) + ", N = " +
                       std::to_string(o.N),
                   "use smaller --D, --K or --N");
  }
  // Also for 0 (all cores), which is what makes OpenBLAS single-threaded: left at its own
  // threads, it ran them inside the step's OpenMP team, 30 times slower than --threads 2.
  set_threads(o.threads);
  const Real u0 = 1.2, lambda = 1.0;
  const Model model{0.3 * normal_matrix(o.D, o.K, 1), 0.5, Prior::make(PriorKind::l0, lambda, std::exp(-lambda * u0))};
  ChainState chains = ChainState::zeros(o.K, o.N);
  chains.U = uniform_matrix(o.K, o.N, 2);
  Matrix X = normal_matrix(o.D, o.N, 3);
  EngineOptions e;
  dist::Communicator* ranks = nullptr;
  if (o.ranks && o.ranks->size() > 1) {
    // This rank's chains and columns of the same global batch.
    const auto shard = std::make_shared<const dist::BatchShard>(o.ranks, o.N);
    chains = shard->slice(chains);
    X = X.middleCols(shard->first(), shard->count()).eval();
    e.shard = shard;
    e.ordered_reduction = o.ordered_reduction;
    ranks = o.ranks.get();
  }
  e.backend = o.backend;
  e.dtype = o.dtype;
  e.eps = 0.01;
  e.tau_A = 1000;
  e.threads = o.threads;
  e.tf32 = o.tf32;
  auto engine = make_step_engine(e);
  engine->load(model, chains);
  engine->set_batch(X);
  engine->run(5);  // warm-up: buffers, caches, the GPU's graph
  StepBenchmarkResult r;
  const double communication_before = engine->communication_seconds();
  std::uint64_t steps = 0;
  r.steps_per_s = rate_of([&](std::uint64_t n) { engine->run(n); steps += n; }, o.seconds, ranks);
  r.communication_s_per_step = (engine->communication_seconds() - communication_before) / double(steps);
  if (ranks) {  // the rank that waited longest
    std::vector<double> all(static_cast<std::size_t>(ranks->size()));
    ranks->allgather(&r.communication_s_per_step, std::vector<std::size_t>(all.size(), sizeof(double)), all.data());
    r.communication_s_per_step = *std::max_element(all.begin(), all.end());
  }
  // The products alone, of this rank's share (no communication).
  r.products_steps_per_s = rate_of([&](std::uint64_t n) { engine->run_products_only(n); }, o.seconds, ranks);
  r.flops_per_step = 6.0 * double(o.D) * double(o.K) * double(o.N);
  r.engine = engine->name();
  return r;
}

}  // namespace lsc
