#pragma once
// The inference service: posterior summaries of s for each data point under a fixed model.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lsc/eval/diagnostics.hpp"
#include "lsc/model/model.hpp"

namespace lsc::run {

std::vector<std::string> infer_methods();  // map, lca, langevin, mala, hmc, ghmc, baoab

struct InferConfig {
  // HMC with the dead-zone jumps mixed best per second and in its worst coefficients on
  // natural-image posteriors (docs/parameters.md, "Samplers").
  std::string method = "hmc";
  Index chains = 4;               // chains per data point
  std::uint64_t samples = 1000;   // recorded steps per chain
  std::uint64_t burn_in = 1000;   // steps discarded first
  Real tau_u = 0;                 // 0: chosen from the dictionary's stiffness (see infer.cpp)
  Real temperature = 1.0;
  // mala, hmc, ghmc: adapt ε toward this acceptance during the burn-in, never above 1/tau_u
  // (0: off; unset: the method's own, default_target_accept).
  std::optional<Real> target_accept;
  // l0: Metropolis jumps across the dead zone (langevin_update.hpp); unset: on for hmc, ghmc and
  // baoab, off for langevin and mala (the paper's dynamics).
  std::optional<bool> dead_zone_jumps;
  // hmc, ghmc, baoab (backend/kinetic_update.hpp): the mass diag(AᵀA)/σ² + the prior's precision
  // instead of I (unset: true), the friction γ of ghmc and baoab, hmc's leapfrog steps per
  // trajectory.
  std::optional<bool> precondition;
  Real friction = 0.5;
  int leapfrog = 32;
  // The engine that samples (backend/step_engine.hpp): "float32" (default) or "float64", and
  // "cpu" (default) or "cuda".
  std::string dtype, backend;
  int map_steps = 500;            // iterations of map / lca
  // map / lca stop before map_steps once no coefficient moves by more than this in a step
  // (0: always run map_steps).
  Real map_tolerance = 0;
  std::uint64_t seed = 0;
  bool keep_samples = false;      // record chain 0's trajectory of every data point
  Index block = 0;                // data points processed together (0: automatic)
  int threads = 0;
  // Convergence diagnostics (eval/diagnostics.hpp): every chain of the first diagnose_points data
  // points is recorded, and R-hat, ESS and MCSE computed for each of their coefficients (0: none).
  Index diagnose_points = 8;
};

// The acceptance a method's step size adapts toward unless target_accept is given: MALA's optimum
// 0.574 (Roberts & Rosenthal 1998), HMC's 0.65 (Beskos et al. 2013), and 0.8 for ghmc, whose
// rejections reverse the momentum and so undo its travel (docs/parameters.md); 0 for the others.
Real default_target_accept(const std::string& method);

struct InferResult {
  Matrix mean;                  // K×N posterior mean of s (the MAP for map / lca)
  Matrix active;                // K×N P(s ≠ 0 | x) (0/1 for map / lca)
  std::vector<Matrix> samples;  // samples[t] is K×N, when keep_samples
  Real tau_u = 0;               // the time constant used (mala: after adaptation, mean over blocks)
  Real stiffness = 0;           // ε·max eig(AᵀA)/σ²: Euler-Maruyama's bias grows with it
  Real acceptance = 1;          // MALA acceptance rate
  double elapsed_s = 0;
  bool stopped_early = false;   // should_stop ended the run; only the blocks finished before are filled in
  // Of the first diagnosed_points data points (InferConfig::diagnose_points), entry p·K + k: the
  // diagnostics of s_k and of its activity 1[s_k ≠ 0] (whose mcse_mean is the MCSE of P(s_k ≠ 0)).
  Index diagnosed_points = 0;
  std::vector<Diagnostics> diagnostics, diagnostics_active;
};

struct InferCallbacks {
  std::function<void(std::uint64_t done, std::uint64_t total)> on_progress;  // in data points
  // Polled before every sampler step (a block of many points can take minutes); true abandons
  // the inference (Ctrl-C in the Python bindings).
  std::function<bool()> should_stop;
};

// X is D×N (a Ref, so that a NumPy array's memory is used in place). Throws Error for a bad
// configuration, mismatched shapes or non-finite data.
InferResult infer(const Model& model, const Eigen::Ref<const Matrix>& X, const InferConfig& config,
                  const InferCallbacks& cb = {});

// The warning lines (Vehtari et al. 2021 thresholds: R-hat > 1.01, ESS < 100 per chain) of the
// diagnosed coefficients of r and of their activities, naming the worst as "point p k = k"; none
// when they pass. remedy says what to change in the caller's words (options or keywords).
std::vector<std::string> convergence_warnings(const InferResult& r, Index K, Index chains, const std::string& remedy);

}  // namespace lsc::run
