#include "lsc/learn/engine_learner.hpp"

#include "lsc/core/error.hpp"

namespace lsc {

EngineLearner::EngineLearner(Model model, const BatchSource& source, LearnerOptions options, EngineOptions engine,
                             std::uint64_t first_chain)
    : Learner(std::move(model), source, options), eps_(engine.eps) {
  require(!options_.parameters.any(),
          "learning pi, sigma or lambda is not on the --dtype/--backend engines yet; drop --dtype and --backend.");
  require(!options_.adaptation, "the --dtype/--backend engines take Euler-Maruyama steps; pass --sampler euler.");
  require(!options_.normalize, "the --dtype/--backend engines run LSC, which does not normalize; drop --normalize.");
  engine.tau_A = options_.tau_A;
  engine_ = make_step_engine(engine);
  engine_->load(model_, ChainState::zeros(model_.K(), options_.batch, first_chain));
}

void EngineLearner::step() {
  if (step_ % options_.tau_x == 0 || !has_batch_) {
    source_.batch(step_ / options_.tau_x, options_.batch, X_);
    engine_->set_batch(X_);
    has_batch_ = true;
  }
  // The dictionary learns from the state at the start of the step only after the hold's
  // burn-in, as in SimultaneousLearner::step.
  engine_->run(1, step_ % options_.tau_x >= options_.hold_burn_in);
  engine_->read_dictionary(model_.A);
  ++step_;
}

StepStats EngineLearner::stats() const {
  const EngineStats e = engine_->stats();
  StepStats s;
  s.reconstruction_error = e.reconstruction_error;
  s.active_fraction = e.active_fraction;
  return s;
}

const Matrix& EngineLearner::coefficients() const {
  Model m = model_;
  ChainState c;
  engine_->read(m, c);
  S_ = c.U.unaryExpr([&](Real u) { return visit_prior(model_.prior, [u](const auto& ops) { return ops.s(u); }); });
  return S_;
}

LearnerState EngineLearner::state() const {
  LearnerState s{step_, model_, {}, {}};
  Model m = model_;
  engine_->read(m, s.chains);
  return s;
}

void EngineLearner::restore(const LearnerState& state) {
  require(state.chains.U.rows() == model_.K() && state.chains.U.cols() == options_.batch,
          "the checkpoint's chains do not match K and the batch size of this run; resume with the settings it was written with.");
  Learner::restore(state);
  engine_->load(model_, state.chains);
  has_batch_ = false;  // reload the batch the chains were working on
}

}  // namespace lsc
