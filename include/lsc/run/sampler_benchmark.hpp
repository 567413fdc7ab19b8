#pragma once
// `lsc bench sampler`: the samplers of lsc infer compared by effective sample size per gradient
// evaluation and per second (docs/benchmarks.md, "Samplers"), on posteriors that span what users
// meet: the K = 2 L0 case of science.md (exact by quadrature), an ill-conditioned Gaussian
// (closed form), and natural-image patches under a learned dictionary (no exact answer).
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "lsc/model/model.hpp"
#include "lsc/run/infer.hpp"

namespace lsc::run {

// A posterior to sample: a model and its data points (D×N), and where known the exact posterior
// means of s and of 1[s ≠ 0] (K×N each; empty when unknown).
struct SamplerProblem {
  std::string name;
  Model model;
  Matrix X;
  Matrix exact_mean, exact_active;
};

// The K = 2 L0 case of science.md (quadrature: P(s₁ > 0) = 0.3807, P(s₂ > 0) = 0.5891,
// E[s₁] = 0.2429, E[s₂] = 0.4945), `points` copies of its one data point.
SamplerProblem quadrature_problem(Index points);
// A Gaussian prior (λ = 0.5) and K = D coefficients whose posterior precision has eigenvalues
// log-spaced over [1, condition] in a random basis, σ = 0.5, `points` data points x = A z + σ ξ.
SamplerProblem gaussian_problem(Index K, Real condition, Index points, std::uint64_t seed);
// Data points under a trained model (no exact answer).
SamplerProblem model_problem(std::string name, Model model, Matrix X);

struct SamplerVariant {
  std::string label;   // e.g. "ghmc+jumps"
  InferConfig config;  // the method and its options; chains, steps and seed come from the options
};
// Every sampling method of lsc infer with its defaults, and with the dead-zone jumps for l0.
std::vector<SamplerVariant> sampler_variants(bool l0);

struct SamplerBenchOptions {
  Index chains = 4;
  std::uint64_t samples = 1000, burn_in = 1000;
  int threads = 1;
  std::uint64_t seed = 0;
};

// One sampler on one problem. ESS is the bulk-ESS of the pooled chains of one data point, its
// median over the coefficients (and points); per gradient: divided by the gradient evaluations of
// those chains in the recorded steps; per second: ESS × points / the run's seconds (burn-in
// included, timed in a second run without the recording of the draws), i.e. effective draws of a
// typical coefficient per second for all points together.
struct SamplerBenchRow {
  static constexpr Real nan = std::numeric_limits<Real>::quiet_NaN();
  std::string problem, sampler;
  Real gradients = 0;  // per chain, in the recorded steps
  Real seconds = 0;
  Real ess = 0, ess_per_gradient = 0, ess_per_second = 0;
  // Of the activity 1[s ≠ 0], over the coefficients with 0.05 ≤ P(s ≠ 0) ≤ 0.95 in the mean of
  // every sampler's estimate (the same set for all rows of a problem; NaN when there are none).
  Real ess_active = nan, ess_active_per_gradient = nan, ess_active_per_second = nan;
  Index active_coefficients = 0;
  Real rhat_max = 1;
  // max |estimate − exact| / MCSE over the coefficients' means and activities (NaN without an
  // exact answer): above ~4 the sampler is biased beyond its Monte Carlo error.
  Real bias_z = nan;
  Real acceptance = 1, tau_u = 0;
};

std::vector<SamplerBenchRow> benchmark_samplers(const SamplerProblem& problem, const std::vector<SamplerVariant>& variants,
                                                const SamplerBenchOptions& options,
                                                const std::function<void(const std::string&)>& on_variant = {});

// The rows as CSV (a header line, one line per row).
std::string sampler_bench_csv(const std::vector<SamplerBenchRow>& rows);

}  // namespace lsc::run
