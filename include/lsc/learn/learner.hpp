#pragma once
// A dictionary learner advances the model by one dictionary update per step(). The concrete
// learners differ only in how the coefficients are obtained: a MAP solver run to convergence
// on every batch (DSC, LCA: Alg. 1), or coefficient dynamics that evolve at the same time as
// the dictionary (SSC: Alg. 2; LSC and L0-LSC: eq. 2.29-2.31, 3.9-3.13).
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "lsc/backend/step_engine.hpp"
#include "lsc/data/batch_source.hpp"
#include "lsc/learn/parameter_learning.hpp"
#include "lsc/model/model.hpp"
#include "lsc/sampler/chain_state.hpp"
#include "lsc/solver/map_solver.hpp"

namespace lsc {

// Olshausen & Field's gain control (sparsenet; SVAE §2.3, eq. 19), the MAP learners' alternative
// to unit columns: a running mean v_k of s_k² is kept, and after each dictionary step column k is
// rescaled to its previous norm times (v_k / goal)^alpha. A delta posterior lets the norms grow
// without bound; this holds each coefficient's variance at the goal instead, so the norms carry
// the scale of the data (SVAE: "matches the z variance to the data variance").
struct VarianceNormalization {
  Real goal = 1;       // target variance of each coefficient (O&F: the data's pixel variance)
  Real alpha = 0.02;   // O&F's exponent
  // O&F's running-variance rate per batch: the variance averages over ~1000 batches, so the gains
  // settle over several thousand steps (a faster rate, 0.01, let elements die on the bars).
  Real eta = 0.001;
};

struct LearnerOptions {
  Index batch = 100;           // N, data points (and chains) per batch
  Real tau_A = 1000;           // τ_A: ΔA = −(1/τ_A) · batch mean of ∂E/∂A (eq. 2.26, 3.11)
  std::uint64_t tau_x = 500;   // steps a batch is held (simultaneous learners only)
  // Steps at the start of each hold during which the chains re-equilibrate to the new batch
  // and nothing is learned. Warm-started chains still carry the previous batch's posterior;
  // learning from them biases A toward smaller norms and π toward fewer active elements.
  std::uint64_t hold_burn_in = 0;
  bool normalize = false;      // unit-norm columns after each update (eq. 2.15; DSC, LCA, SSC)
  std::optional<VarianceNormalization> variance_normalization;  // instead of unit norms (DSC, LCA)
  ParameterRates parameters;   // π, σ, λ learning (sampling learners only)
  // This rank's share of each batch (data-parallel learning, docs/mpi.md; SimultaneousLearner
  // only); null: the whole batch here.
  std::shared_ptr<const dist::BatchShard> shard;
  // SimultaneousLearner: how many coefficients s_kn are recorded in every learning step of a
  // hold for hold_diagnostics(), the first in chain order (chain 0's k = 0, ..., K − 1, then
  // chain 1's); 0: none. With exchangeable elements and data points these are a random sample;
  // 8 keep the diagnostics at about 3 % of a bars run, the cheapest steps (docs/diagnostics.md).
  Index tracked_coefficients = 8;
};

// Everything a learner needs to continue bit-exactly: batches are functions of the step, and
// the solvers' and samplers' buffers are recomputed at every step.
struct LearnerState {
  std::uint64_t step = 0;
  Model model;
  ChainState chains;  // empty for the nested learners
  // Any further state a learner needs, as flat arrays in the learner's own order (SvaeLearner:
  // encoder weights and Adam's moments); empty for the others.
  std::vector<Vector> extra;
};

// Summary of the most recent step, for metrics.
struct StepStats {
  Real reconstruction_error = 0;  // mean over the batch of ‖x − A s‖² / D
  Real active_fraction = 0;       // fraction of coefficients with s ≠ 0
  // Batch mean of the ELBO estimate, nats per data point (SvaeLearner); NaN for the others.
  Real elbo = std::numeric_limits<Real>::quiet_NaN();
  // Fraction of chains whose MALA proposal was accepted in the step, 1 for Euler; NaN without a
  // sampler (the MAP learners, SSC's gradient flow, the SVAE).
  Real acceptance = std::numeric_limits<Real>::quiet_NaN();
};

// How well the chains mixed over the most recent complete hold (its learning steps, after the
// hold burn-in): the bulk-ESS (Vehtari et al. 2021, §4; eval/diagnostics.hpp) of each tracked
// coefficient s_kn (LearnerOptions::tracked_coefficients) over those τ_X − hold_burn_in draws,
// one chain per coefficient, and its median over the coefficients that moved. A coefficient constant over the hold (under the l0 prior most
// stay at 0) has no autocorrelation to estimate and is left out. NaN before the first complete
// hold, when no coefficient moved, for fewer than 4 draws per hold, and for the other learners.
struct HoldDiagnostics {
  Real ess = std::numeric_limits<Real>::quiet_NaN();
  // l0: the same for the activities 1[s_kn ≠ 0], whose switching across the dead zone is the
  // slowest motion of L0-LSC; NaN for the other priors.
  Real ess_active = std::numeric_limits<Real>::quiet_NaN();
};

class Learner {
 public:
  virtual ~Learner() = default;
  virtual void step() = 0;
  virtual StepStats stats() const = 0;
  // The coefficients of the most recent step (MAP estimates or current samples), K×N.
  virtual const Matrix& coefficients() const = 0;
  // Fraction of accepted MALA proposals so far (1 for dynamics without accept/reject).
  virtual Real acceptance_rate() const { return 1.0; }
  // The coefficient step size ε = Δt/τ_u in use (0 for the nested learners).
  virtual Real coefficient_eps() const { return 0.0; }
  // Of the most recent complete hold; with several ranks a collective call.
  virtual HoldDiagnostics hold_diagnostics() const { return {}; }
  const Model& model() const { return model_; }
  std::uint64_t steps_taken() const { return step_; }
  // Carries the running coefficient variances of variance normalization in extra.
  virtual LearnerState state() const;
  // Continues from a state taken by state() of a learner with the same options.
  virtual void restore(const LearnerState& state);

 protected:
  Learner(Model model, const BatchSource& source, LearnerOptions options);
  // The dictionary update shared by all learners: A ← A − (1/τ_A)(A s − x)sᵀ/(N σ²).
  void update_dictionary(const Matrix& R, const Matrix& S);
  static StepStats stats_of(const Matrix& R, const Matrix& S);

  Model model_;
  const BatchSource& source_;
  LearnerOptions options_;
  std::uint64_t step_ = 0;
  Matrix X_;

 private:
  void rescale_to_variance_goal(const Vector& norms_before, const Matrix& S);
  Vector coefficient_variance_;  // v_k of VarianceNormalization
};

// DSC and LCA (Alg. 1): a fresh batch each step, MAP coefficients from zero, one update of A.
class NestedLearner final : public Learner {
 public:
  NestedLearner(Model model, const BatchSource& source, LearnerOptions options,
                std::unique_ptr<MapSolver> solver);
  void step() override;
  StepStats stats() const override { return stats_; }
  const Matrix& coefficients() const override { return S_; }

 private:
  std::unique_ptr<MapSolver> solver_;
  Matrix S_, R_;
  StepStats stats_;
};

// SSC, LSC and L0-LSC: coefficients and dictionary take one step together at every time step,
// on a StepEngine (backend/step_engine.hpp: Euler-Maruyama, MALA or SSC's gradient flow, any
// dtype and backend); the batch changes every τ_X steps while the chains continue (they are never
// reset). In the first hold_burn_in steps of each hold nothing is learned and MALA adapts its ε
// (EngineOptions::adaptation); after them the dictionary learns in the engine's step and π, σ, λ
// from the engine's batch sums of the same state. With EngineOptions::shard the learner is one
// rank's part of a data-parallel run (docs/mpi.md): it holds that rank's chains and columns of
// each batch, every rank applies the same updates, and state() gathers the whole batch's chains
// (a collective call) so that a checkpoint resumes with any number of ranks.
class SimultaneousLearner final : public Learner {
 public:
  SimultaneousLearner(Model model, const BatchSource& source, LearnerOptions options, EngineOptions engine);
  void step() override;
  StepStats stats() const override;
  const Matrix& coefficients() const override;  // s(U) after the most recent step, this rank's chains
  Real acceptance_rate() const override;
  Real coefficient_eps() const override { return engine_->eps(); }
  LearnerState state() const override;
  void restore(const LearnerState& state) override;
  // Computed from the recorded draws at the first call after the hold ends (train() calls it at
  // each metrics row, so a hold costs one computation at most); on rank 0, whose first chunk
  // holds the tracked coefficients, and broadcast to the others.
  HoldDiagnostics hold_diagnostics() const override;
  const StepEngine& engine() const { return *engine_; }

 private:
  void record_tracked();

  std::unique_ptr<StepEngine> engine_;
  const dist::BatchShard* shard_;  // options_.shard's
  bool has_batch_ = false;
  mutable Matrix S_;  // coefficients(), read from the engine on demand
  // The tracked coefficients: min(tracked_coefficients, K·N) on the rank that holds chain 0,
  // none elsewhere. The current hold's draws, tracked_ per step (draw t of s_kn at
  // [t·tracked_ + n·K + k]), part of state() so that a resume mid-hold reports the same numbers;
  // the last complete hold's until hold_diagnostics() has used them.
  Index tracked_ = 0;
  bool sampling_;        // not SSC's gradient flow: the step has an acceptance
  bool hold_whole_ = true;  // the current hold is recorded from its first learning step
  std::vector<Real> hold_draws_;
  mutable std::vector<Real> complete_draws_;
  mutable bool diagnosed_ = true;  // hold_diagnostics_ describes the most recent complete hold
  mutable HoldDiagnostics hold_diagnostics_;
  Matrix tracked_S_;
};

}  // namespace lsc
