// EngineLearner (learn/engine_learner.hpp): `lsc train --dtype/--backend` must be the same
// learning run as the core's Euler learner, only in another precision or on another device.
#include <gtest/gtest.h>

#include "../support/resume.hpp"
#include "../support/stats.hpp"
#include "lsc/core/error.hpp"
#include "lsc/data/batch_source.hpp"
#include "lsc/run/train.hpp"

namespace lsc {
namespace {

run::TrainConfig config() {
  run::TrainConfig c;
  c.method = "lsc";
  c.sampler = "euler";
  c.K = 6;
  c.pi = 0.4;
  c.sigma = 0.5;
  c.steps = 600;
  c.batch = 40;
  c.tau_u = 20;
  c.tau_A = 200;
  c.tau_x = 100;
  c.hold_burn_in = 30;  // learning switched off and on again within every hold
  c.seed = 3;
  c.threads = 1;
  return c;
}

// At T = 0 no noise is drawn, so the engine (float64) and the core learner take the same steps:
// batches, holds and burn-ins must line up exactly for the dictionaries to agree.
TEST(EngineLearner, FollowsTheCoreLearnerStepForStep) {
  const ArraySource data(test::random_normal(10, 700, 1), 2);
  run::TrainConfig c = config();
  c.temperature = 0;
  // Laplace: from u = 0 an L0 chain without noise would never leave the dead zone, and nothing
  // would be learned.
  c.prior = PriorKind::laplace;
  const run::TrainResult core = run::train(c, data);
  c.dtype = "float64";
  const run::TrainResult engine = run::train(c, data);
  EXPECT_EQ(engine.config.backend, "cpu");
  const Real scale = core.model.A.cwiseAbs().maxCoeff();
  EXPECT_LE((engine.model.A - core.model.A).cwiseAbs().maxCoeff(), 1e-9 * scale);
  // Not vacuous: the dictionary moved from its start far more than that.
  EXPECT_GT((core.model.A - random_dictionary(10, c.K, c.seed)).cwiseAbs().maxCoeff(), 1e-3 * scale);
  ASSERT_EQ(engine.metrics.size(), core.metrics.size());
  EXPECT_NEAR(engine.metrics.back().reconstruction_error, core.metrics.back().reconstruction_error,
              1e-9 * core.metrics.back().reconstruction_error);
  EXPECT_NEAR(engine.metrics.back().active_fraction, core.metrics.back().active_fraction, 1e-12);
}

// A run stopped at a checkpoint and resumed equals the uninterrupted run, bit for bit, in float32.
TEST(EngineLearner, ResumesBitExactlyFromACheckpoint) {
  const ArraySource data(test::random_normal(10, 700, 4), 5);
  run::TrainConfig c = config();
  c.dtype = "float32";
  c.metrics_every = 50;
  c.checkpoint_every = 250;
  const test::RunWithCheckpoint r = test::train_keeping_first_checkpoint(c, data);
  ASSERT_TRUE(r.first.has_value());
  EXPECT_EQ(r.first->state.step, 250u);
  const run::TrainResult resumed = run::train(c, data, {}, &*r.first);
  EXPECT_EQ(resumed.model.A, r.whole.model.A);
  EXPECT_EQ(resumed.metrics.back().reconstruction_error, r.whole.metrics.back().reconstruction_error);
}

TEST(EngineLearner, WhatItCannotDoIsOneSentence) {
  const ArraySource data(test::random_normal(10, 100, 4), 5);
  run::TrainConfig c = config();
  c.dtype = "float32";
  c.sampler = "mala";
  try {
    run::train(c, data);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--sampler euler"), std::string::npos) << e.what();
  }
  c.sampler = "euler";
  c.learn_pi = true;
  c.prior = PriorKind::l0;
  EXPECT_THROW(run::train(c, data), Error);
}

}  // namespace
}  // namespace lsc
