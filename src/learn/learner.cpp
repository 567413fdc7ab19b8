#include "lsc/learn/learner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "lsc/core/error.hpp"
#include "lsc/core/statistics.hpp"
#include "lsc/dist/batch_shard.hpp"
#include "lsc/eval/diagnostics.hpp"
#include "lsc/model/divergence.hpp"

namespace lsc {

Learner::Learner(Model model, const BatchSource& source, LearnerOptions options)
    : model_(std::move(model)), source_(source), options_(options) {
  model_.validate();
  require(source.dim() == model_.D(), "the data have " + std::to_string(source.dim()) +
                                          " features per point but the dictionary has D = " +
                                          std::to_string(model_.D()) + " rows; use data and dictionary of the same dimension.");
  require(options_.batch > 0, "the batch size must be at least 1; pass e.g. --batch 100.");
  require(options_.tau_A > 0, "tau_A must be positive; pass e.g. --tau-A 1000.");
  require(options_.tau_x > 0, "tau_x must be at least 1 step; pass e.g. --tau-x 500.");
  require(options_.hold_burn_in < options_.tau_x,
          "the burn-in after each batch switch must be shorter than tau_x, or nothing is learned; pass a smaller --hold-burn-in.");
  if (const auto& v = options_.variance_normalization) {
    require(!options_.normalize, "variance normalization replaces unit-norm columns; drop --normalize or --var-goal.");
    require(std::isfinite(v->goal) && v->goal > 0, "the coefficient variance goal must be a positive number; pass e.g. --var-goal 1.");
    coefficient_variance_ = Vector::Constant(model_.K(), v->goal);  // sparsenet starts at the goal
  }
}

void Learner::update_dictionary(const Matrix& R, const Matrix& S) {
  const Real rate = 1.0 / (options_.tau_A * Real(S.cols()) * model_.sigma * model_.sigma);
  Vector norms_before;
  if (options_.variance_normalization) norms_before = model_.A.colwise().norm().transpose();
  model_.A.noalias() -= rate * (R * S.transpose());
  if (options_.normalize) normalize_columns(model_.A);
  if (options_.variance_normalization) rescale_to_variance_goal(norms_before, S);
  check_finite_dictionary(model_.A, step_);
}

void Learner::rescale_to_variance_goal(const Vector& norms_before, const Matrix& S) {
  const VarianceNormalization& v = *options_.variance_normalization;
  coefficient_variance_ = (1 - v.eta) * coefficient_variance_ + v.eta * S.rowwise().squaredNorm() / Real(S.cols());
  for (Index k = 0; k < model_.K(); ++k) {
    const Real norm = model_.A.col(k).norm();
    // A column that has faded to exactly zero has no direction left to rescale.
    if (norm > 0) model_.A.col(k) *= norms_before(k) * std::pow(coefficient_variance_(k) / v.goal, v.alpha) / norm;
  }
}

LearnerState Learner::state() const {
  LearnerState s{step_, model_, {}, {}};
  if (options_.variance_normalization) s.extra.push_back(coefficient_variance_);
  return s;
}

void Learner::restore(const LearnerState& state) {
  require(state.model.D() == model_.D() && state.model.K() == model_.K() &&
              state.model.prior.kind == model_.prior.kind,
          "the checkpoint's model (D, K, prior) differs from this run's; resume with the settings it was written with.");
  if (options_.variance_normalization) {
    require(state.extra.size() == 1 && state.extra[0].size() == model_.K(),
            "the checkpoint holds no coefficient variances of --var-goal; resume with the settings it was written with.");
    coefficient_variance_ = state.extra[0];
  }
  step_ = state.step;
  model_ = state.model;
}

StepStats Learner::stats_of(const Matrix& R, const Matrix& S) {
  StepStats s;
  s.reconstruction_error = R.squaredNorm() / Real(R.rows() * R.cols());
  s.active_fraction = Real((S.array() != 0).count()) / Real(S.size());
  return s;
}

NestedLearner::NestedLearner(Model model, const BatchSource& source, LearnerOptions options,
                             std::unique_ptr<MapSolver> solver)
    : Learner(std::move(model), source, options), solver_(std::move(solver)) {
  require(!options_.parameters.any(),
          "learning pi, sigma or lambda needs posterior samples, which MAP methods do not give; use --method lsc.");
}

void NestedLearner::step() {
  source_.batch(step_, options_.batch, X_);
  S_.setZero(model_.K(), options_.batch);
  solver_->solve(model_, X_, S_);
  R_.noalias() = model_.A * S_;
  R_ -= X_;
  stats_ = stats_of(R_, S_);
  update_dictionary(R_, S_);
  ++step_;
}

SimultaneousLearner::SimultaneousLearner(Model model, const BatchSource& source, LearnerOptions options,
                                         EngineOptions engine)
    : Learner(std::move(model), source, options), shard_(options_.shard.get()) {
  require(!options_.variance_normalization,
          "variance normalization (--var-goal) is Olshausen & Field's rule for the MAP learners; use --method dsc or lca.");
  engine.tau_A = options_.tau_A;
  engine.shard = options_.shard;
  require(!shard_ || shard_->total() == options_.batch,
          "the batch shard covers " + std::to_string(shard_ ? shard_->total() : 0) + " chains, not the batch of " +
              std::to_string(options_.batch) + "; split the batch the learner runs.");
  require(options_.tracked_coefficients >= 0, "the number of tracked coefficients must be 0 or more.");
  sampling_ = engine.sampler != SamplerKind::gradient_flow;
  if (!sampling_) options_.tracked_coefficients = 0;  // MAP dynamics: nothing to mix
  options_.tracked_coefficients = std::min(options_.tracked_coefficients, model_.K() * options_.batch);
  engine_ = make_step_engine(engine);
  const Index first = shard_ ? shard_->first() : 0, count = shard_ ? shard_->count() : options_.batch;
  engine_->load(model_, ChainState::zeros(model_.K(), count, static_cast<std::uint64_t>(first)));
  require(!shard_ || shard_->count(0) * model_.K() >= options_.tracked_coefficients,
          "rank 0 holds fewer than the " + std::to_string(options_.tracked_coefficients) +
              " tracked coefficients; track fewer.");
  if (first == 0) tracked_ = options_.tracked_coefficients;
}

namespace {

// Draws per hold that hold_diagnostics() sees: the hold's learning steps; none below the 4 draws
// a split-chain ESS needs (eval/diagnostics.hpp).
std::uint64_t diagnosed_draws(const LearnerOptions& o) {
  const std::uint64_t T = o.tau_x - o.hold_burn_in;
  return o.tracked_coefficients > 0 && T >= 4 ? T : 0;
}

// The median bulk-ESS over the quantities of the (T, Q) draws that are not constant, of the
// draws themselves or of their activities 1[s ≠ 0].
Real median_ess_of_moving(const std::vector<Real>& draws, Index T, Index Q, bool activity) {
  const auto value = [&](Index t, Index q) {
    const Real s = draws[static_cast<std::size_t>(t * Q + q)];
    return activity ? Real(s != 0) : s;
  };
  std::vector<Index> moving;
  for (Index q = 0; q < Q; ++q)
    for (Index t = 1; t < T; ++t)
      if (value(t, q) != value(0, q)) {
        moving.push_back(q);
        break;
      }
  if (moving.empty()) return std::numeric_limits<Real>::quiet_NaN();
  const Index M = Index(moving.size());
  std::vector<Real> compact(static_cast<std::size_t>(T * M));
  for (Index t = 0; t < T; ++t)
    for (Index i = 0; i < M; ++i) compact[static_cast<std::size_t>(t * M + i)] = value(t, moving[i]);
  return median(ess_bulk_all(compact.data(), T, 1, M));
}

}  // namespace

void SimultaneousLearner::step() {
  if (step_ % options_.tau_x == 0 || !has_batch_) {
    if (shard_)
      source_.batch_columns(step_ / options_.tau_x, options_.batch, shard_->first(), shard_->count(), X_);
    else
      source_.batch(step_ / options_.tau_x, options_.batch, X_);
    engine_->set_batch(X_);
    has_batch_ = true;
  }
  // The dictionary and the parameters learn from the state at the start of the step
  // (simultaneous Euler) once the hold's burn-in is over; during it MALA adapts its ε.
  const bool learning = step_ % options_.tau_x >= options_.hold_burn_in;
  StepMode mode;
  mode.learn_dictionary = learning;
  mode.adapt = !learning;
  engine_->run(1, mode);
  if (learning) record_tracked();
  engine_->read_dictionary(model_.A);
  if (learning && options_.normalize) {
    normalize_columns(model_.A);
    engine_->set_dictionary(model_.A);
  }
  if (learning && options_.parameters.any()) {
    learn_parameters(model_, engine_->stats(), options_.parameters);
    engine_->set_parameters(model_.sigma, model_.prior);
  }
  ++step_;
  if (step_ % options_.tau_x == 0 && diagnosed_draws(options_) > 0) {
    if (hold_whole_) {
      complete_draws_.swap(hold_draws_);
      diagnosed_ = false;
    }
    hold_draws_.clear();
    hold_whole_ = true;
  }
}

void SimultaneousLearner::record_tracked() {
  if (tracked_ == 0 || !hold_whole_ || diagnosed_draws(options_) == 0) return;
  engine_->read_coefficient_columns(tracked_S_, 0, (tracked_ + model_.K() - 1) / model_.K());
  hold_draws_.insert(hold_draws_.end(), tracked_S_.data(), tracked_S_.data() + tracked_);
}

HoldDiagnostics SimultaneousLearner::hold_diagnostics() const {
  if (diagnosed_) return hold_diagnostics_;
  HoldDiagnostics d;
  if (tracked_ > 0) {
    const auto T = static_cast<Index>(diagnosed_draws(options_));
    const Index Q = tracked_;
    d.ess = median_ess_of_moving(complete_draws_, T, Q, false);
    if (model_.prior.kind == PriorKind::l0) d.ess_active = median_ess_of_moving(complete_draws_, T, Q, true);
  }
  if (shard_) {
    Real values[2] = {d.ess, d.ess_active};
    shard_->ranks().broadcast(values, sizeof values, 0);
    d = {values[0], values[1]};
  }
  complete_draws_.clear();
  hold_diagnostics_ = d;
  diagnosed_ = true;
  return d;
}

StepStats SimultaneousLearner::stats() const {
  const EngineStats e = engine_->stats();
  StepStats s;
  s.reconstruction_error = e.reconstruction_error;
  s.active_fraction = e.active_fraction;
  if (sampling_) s.acceptance = e.acceptance;
  return s;
}

const Matrix& SimultaneousLearner::coefficients() const {
  engine_->read_coefficients(S_);
  return S_;
}

Real SimultaneousLearner::acceptance_rate() const {
  Model m;
  ChainState c;
  engine_->read(m, c);
  return c.acceptance_rate();
}

LearnerState SimultaneousLearner::state() const {
  LearnerState s{step_, model_, {}, {}};
  Model m;
  engine_->read(m, s.chains);
  if (shard_) s.chains = shard_->gather(s.chains);
  if (diagnosed_draws(options_) > 0) {
    const HoldDiagnostics d = hold_diagnostics();
    Vector values(2);
    values << d.ess, d.ess_active;
    s.extra.push_back(values);
    s.extra.push_back(Eigen::Map<const Vector>(hold_draws_.data(), Index(hold_draws_.size())));
  }
  return s;
}

void SimultaneousLearner::restore(const LearnerState& state) {
  require(state.chains.U.rows() == model_.K() && state.chains.U.cols() == options_.batch,
          "the checkpoint's chains do not match K and the batch size of this run; resume with the settings it was written with.");
  Learner::restore(state);
  engine_->load(model_, shard_ ? shard_->slice(state.chains) : state.chains);
  has_batch_ = false;  // reload the batch the chains were working on
  // Checkpoints from before the diagnostics have no draws: the hold under way is then not
  // diagnosed, unless it has not reached its first learning step.
  const std::uint64_t at = step_ % options_.tau_x;
  const std::uint64_t recorded = at > options_.hold_burn_in ? at - options_.hold_burn_in : 0;
  const auto expected = static_cast<Index>(recorded) * options_.tracked_coefficients;
  const bool has = state.extra.size() == 2 && state.extra[0].size() == 2 && state.extra[1].size() == expected;
  hold_diagnostics_ = has ? HoldDiagnostics{state.extra[0][0], state.extra[0][1]} : HoldDiagnostics{};
  diagnosed_ = true;
  complete_draws_.clear();
  hold_whole_ = has || recorded == 0;
  hold_draws_.clear();
  if (has && tracked_ > 0) hold_draws_.assign(state.extra[1].data(), state.extra[1].data() + expected);
}

}  // namespace lsc
