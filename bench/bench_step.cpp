// Google Benchmark micro-benchmarks of the fused step and its parts (docs/benchmarks.md):
//   build/bench/lsc_bench --benchmark_filter=Step
// Counters: steps/s, and GFLOP/s of the three products (6·D·K·N per step).
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "lsc/backend/step_engine.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/core/rng.hpp"

namespace lsc {
namespace {

Matrix normal(Index rows, Index cols, std::uint64_t seed) {
  Matrix M(rows, cols);
  const Philox rng(seed);
  for (Index j = 0; j < cols; ++j) rng.normals(Purpose::data, 0, static_cast<std::uint64_t>(j), M.col(j).data(), rows);
  return M;
}

struct Problem {
  Model model;
  ChainState chains;
  Matrix X;
};

Problem problem(Index D, Index K, Index N) {
  Problem p{Model{0.3 * normal(D, K, 1), 0.5, Prior::make(PriorKind::l0, 1.0, std::exp(-1.2))},
            ChainState::zeros(K, N), normal(D, N, 3)};
  p.chains.U = normal(K, N, 2).cwiseAbs();
  return p;
}

void set_counters(benchmark::State& state, Index D, Index K, Index N) {
  state.counters["steps/s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(6e-9 * double(D * K * N) * double(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

// Args: D, K, N, dtype (0: float32, 1: float64), products only (0/1), threads.
void BM_Step(benchmark::State& state) {
  const Index D = state.range(0), K = state.range(1), N = state.range(2);
  const bool products_only = state.range(4) != 0;
  set_threads(static_cast<int>(state.range(5)));
  Problem p = problem(D, K, N);
  EngineOptions o;
  o.dtype = state.range(3) == 0 ? Dtype::float32 : Dtype::float64;
  o.eps = 0.01;
  o.tau_A = 1000;
  o.threads = static_cast<int>(state.range(5));
  auto engine = make_step_engine(o);
  engine->load(p.model, p.chains);
  engine->set_batch(p.X);
  for (auto _ : state) {
    if (products_only)
      engine->run_products_only(1);
    else
      engine->run(1);
  }
  set_counters(state, D, K, N);
}

void step_sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"D", "K", "N", "f64", "products", "threads"});
  for (int threads : {1, 2})
    for (int f64 : {0, 1})
      for (int products : {0, 1}) {
        b->Args({64, 256, 1024, f64, products, threads});
        b->Args({64, 16, 100, f64, products, threads});
        b->Args({144, 169, 4096, f64, products, threads});
      }
  b->UseRealTime();
}
BENCHMARK(BM_Step)->Apply(step_sizes);

// MALA as inference runs it (A fixed, so the current state's R and G carry over and a step costs
// two products): Args D, K, N, dtype (0: float32, 1: float64), threads.
void BM_MalaStep(benchmark::State& state) {
  const Index D = state.range(0), K = state.range(1), N = state.range(2);
  set_threads(static_cast<int>(state.range(4)));
  Problem p = problem(D, K, N);
  EngineOptions o;
  o.dtype = state.range(3) == 0 ? Dtype::float32 : Dtype::float64;
  o.sampler = SamplerKind::mala;
  o.eps = 0.001;
  o.threads = static_cast<int>(state.range(4));
  auto engine = make_step_engine(o);
  engine->load(p.model, p.chains);
  engine->set_batch(p.X);
  for (auto _ : state) engine->run(1, {false, false, true});
  state.counters["steps/s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MalaStep)
    ->ArgNames({"D", "K", "N", "f64", "threads"})
    ->Args({64, 256, 1024, 0, 1})
    ->Args({64, 256, 1024, 1, 1})
    ->Args({64, 256, 1024, 0, 2})
    ->UseRealTime();

// The learning step of `lsc train` (float32, one thread) with and without the L0 dead-zone jumps,
// at its default batch: what the sweep adds to a step. Args D, K, N, jumps (0/1).
void BM_JumpStep(benchmark::State& state) {
  const Index D = state.range(0), K = state.range(1), N = state.range(2);
  set_threads(1);
  Problem p = problem(D, K, N);
  EngineOptions o;
  o.eps = 0.002;  // ε·L ≈ 0.4 for this A at K = 256: stable, as the training's τ_u keeps it
  o.tau_A = 3000;
  o.dead_zone_jumps = state.range(3) != 0;
  o.threads = 1;
  auto engine = make_step_engine(o);
  engine->load(p.model, p.chains);
  engine->set_batch(p.X);
  for (auto _ : state) engine->run(1);
  set_counters(state, D, K, N);
}
BENCHMARK(BM_JumpStep)
    ->ArgNames({"D", "K", "N", "jumps"})
    ->ArgsProduct({{64}, {64, 256}, {200}, {0, 1}})
    ->UseRealTime();

}  // namespace
}  // namespace lsc

BENCHMARK_MAIN();
