#pragma once
// The training service under every front end (CLI now, Python later): one Config in, a model
// and its metrics out, progress through callbacks. It knows no files; run_folder.hpp saves.
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lsc/data/bars.hpp"
#include "lsc/learn/learner.hpp"
#include "lsc/learn/svae.hpp"
#include "lsc/model/model.hpp"

namespace lsc::dist {
class Communicator;
}

namespace lsc::run {

// The learning methods, registered in one place (CLI, docs and bindings list the same set).
std::vector<std::string> train_methods();  // dsc, lca, ssc, lsc, svae

struct TrainConfig {
  std::string method = "lsc";
  std::optional<PriorKind> prior;  // default: l0 for lsc, cauchy for svae, l1 for the MAP-based methods
  Index K = 16;
  Real pi = 0.3, lambda = 1.0;  // initial (or fixed) model parameters
  Real sigma = 0;               // initial (or fixed) σ; 0: 0.5, or e^−1 for svae (σ² = e^−2, SVAE §4.2)
  bool learn_pi = false, learn_sigma = false, learn_lambda = false;

  // Time scales, in steps with Δt = 1 (0: the method's documented default, see defaults()).
  std::uint64_t steps = 0;     // dictionary updates
  Index batch = 0;             // data points (= chains) per batch
  Real tau_u = 0;              // coefficient time constant: ε = 1/τ_u (LSC, SSC); 0: from the stiffness, see train()
  Real tau_A = 0;              // dictionary time constant, on batch means
  std::uint64_t tau_x = 0;     // steps a batch is held (LSC, SSC)
  std::optional<std::uint64_t> hold_burn_in;  // steps per hold without learning (LSC; euler 0, mala τ_x/2)
  Real tau_u0 = 0, tau_sigma = 0, tau_lambda = 0;  // parameter time constants, on batch means
  int inner_steps = 0;         // MAP iterations per batch (DSC, LCA)
  std::string sampler;         // LSC coefficient steps: "euler" (the paper's; default) or "mala"
  // MALA: adapt ε toward this acceptance during each hold burn-in, never above 1/τ_u
  // (sampler/step_size_adaptation.hpp); 0 switches it off. Default 0.574.
  std::optional<Real> target_accept;
  bool dead_zone_jumps = false;  // L0: Metropolis jumps across the dead zone (langevin_update.hpp)
  // The engine that runs lsc and ssc (backend/step_engine.hpp): "float32" (default) or
  // "float64", and "cpu" (default) or "cuda".
  std::string dtype, backend;
  Real temperature = 1.0;
  Real lr = 0;                 // Adam's learning rate (svae); 0: 1e-4 (SVAE §4.3)
  std::optional<bool> normalize;  // default: on for dsc/lca/ssc, off for lsc
  // dsc, lca: Olshausen & Field's gain control toward this coefficient variance instead of unit
  // columns (learn/learner.hpp, VarianceNormalization); 0: unit columns.
  Real var_goal = 0;

  std::optional<Matrix> initial_dictionary;  // D×K start (default: random directions, see init_scale)
  // LSC's random start: columns of norm init_scale × the data's RMS per feature (0: 0.1). A small
  // start lets the elements grow out of the data and break symmetry, as in the authors' scripts;
  // unit columns on whitened images explain the data's variance with random directions from the
  // first step and stay noise-like (docs/results.md, "What decides whether L0-LSC learns edges").
  Real init_scale = 0;
  std::uint64_t seed = 0;
  std::uint64_t metrics_every = 0;  // steps per metrics row (0: about 200 rows)
  std::uint64_t checkpoint_every = 0;  // steps per checkpoint (0: none); a multiple of metrics_every
  int threads = 0;                  // 0: all cores
  // Several MPI ranks (docs/mpi.md): "ordered" folds the dictionary update across the ranks in
  // chunk order (the same bits for any number of ranks); "allreduce" sums each rank's part with
  // MPI_Allreduce (bits depend on the number of ranks).
  std::string reduction = "ordered";
};

// The values TrainConfig's zeros stand for, for a method and prior: the single source of the
// documented defaults (docs/parameters.md).
TrainConfig resolve_defaults(TrainConfig config, Index D);

struct MetricsRow {
  std::uint64_t step = 0;
  double elapsed_s = 0;
  Real reconstruction_error = 0;  // mean ‖x − A s‖²/D over the rows' window
  Real active_fraction = 0;       // mean fraction of s ≠ 0 over the window
  Real pi = 0, sigma = 0, lambda = 0;
  Real mean_norm = 0;             // mean ‖A_k‖
  Real tau_u = 0;                 // Δt/ε of the coefficient steps at the row (adapted for MALA)
  Real elbo = std::numeric_limits<Real>::quiet_NaN();  // mean ELBO estimate over the window (svae), nats per point
  // lsc: mean over the window of the fraction of chains whose MALA proposal was accepted (1 for
  // euler); NaN for the methods without a sampler.
  Real acceptance = std::numeric_limits<Real>::quiet_NaN();
  // lsc: the median bulk-ESS of the tracked coefficients over the most recent complete hold, and
  // of their activities for l0 (learn/learner.hpp, HoldDiagnostics); NaN before it.
  Real ess = std::numeric_limits<Real>::quiet_NaN();
  Real ess_active = std::numeric_limits<Real>::quiet_NaN();
};

// What a run needs to continue bit-exactly after it was stopped.
struct TrainCheckpoint {
  LearnerState state;
  std::vector<MetricsRow> metrics;
  double elapsed_s = 0;
  // FNV-1a of the data's first batch, so that a resume with other data of the same width is
  // refused instead of continuing silently; 0 in checkpoints written before it existed.
  std::uint64_t data_digest = 0;
};

struct TrainCallbacks {
  std::function<void(const MetricsRow&, std::uint64_t total_steps)> on_metrics;
  std::function<bool()> should_stop;  // polled after every metrics row; true ends training there
  // Polled between steps every kAbandonPoll: true ends training at once, without a final row or
  // checkpoint (a second Ctrl-C, when the next row is minutes away). The last checkpoint stays.
  std::function<bool()> should_abandon;
  std::function<void(const TrainCheckpoint&)> on_checkpoint;  // every checkpoint_every steps and at the end
  // At every metrics row: the model and the coefficients of the latest step (for experiments).
  std::function<void(const MetricsRow&, const Model&, const Matrix& S)> on_model;
};

inline constexpr std::chrono::milliseconds kAbandonPoll{200};

struct TrainResult {
  Model model;
  TrainConfig config;  // with defaults resolved
  std::vector<MetricsRow> metrics;
  double elapsed_s = 0;
  Real acceptance = 1;  // MALA acceptance rate over the run
  bool stopped_early = false;
  bool abandoned = false;  // should_abandon ended it between rows: metrics and model are not at a row
  std::shared_ptr<const Svae> svae;  // method svae: the trained encoder and decoder (model == svae->model())
};

// Trains on an explicit data source (D must match the source), from scratch or from a
// checkpoint of a run with the same configuration (steps may differ). With `ranks` of several
// processes (an MPI job) it is a collective call: every rank calls it with the same
// configuration and data, holds its share of each batch and gets the same result; the callbacks
// run on every rank (the caller decides which rank writes), and should_stop must answer the same
// on every rank.
TrainResult train(const TrainConfig& config, const BatchSource& data, const TrainCallbacks& cb = {},
                  const TrainCheckpoint* resume = nullptr, std::shared_ptr<dist::Communicator> ranks = nullptr);

}  // namespace lsc::run
