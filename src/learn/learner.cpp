#include "lsc/learn/learner.hpp"

#include <cmath>

#include "lsc/core/error.hpp"
#include "lsc/dist/batch_shard.hpp"
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
  engine_ = make_step_engine(engine);
  const Index first = shard_ ? shard_->first() : 0, count = shard_ ? shard_->count() : options_.batch;
  engine_->load(model_, ChainState::zeros(model_.K(), count, static_cast<std::uint64_t>(first)));
}

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
}

StepStats SimultaneousLearner::stats() const {
  const EngineStats e = engine_->stats();
  StepStats s;
  s.reconstruction_error = e.reconstruction_error;
  s.active_fraction = e.active_fraction;
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
  return s;
}

void SimultaneousLearner::restore(const LearnerState& state) {
  require(state.chains.U.rows() == model_.K() && state.chains.U.cols() == options_.batch,
          "the checkpoint's chains do not match K and the batch size of this run; resume with the settings it was written with.");
  Learner::restore(state);
  engine_->load(model_, shard_ ? shard_->slice(state.chains) : state.chains);
  has_batch_ = false;  // reload the batch the chains were working on
}

}  // namespace lsc
