// The sampler columns of metrics.csv (issue 18): the acceptance of the engine's steps, and the
// bulk-ESS of a few tracked chains per hold (learn/learner.hpp, HoldDiagnostics), which must
// tell a slow sampler from a fast one and survive a resume mid-hold bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "../support/resume.hpp"
#include "../support/temp_dir.hpp"
#include "lsc/data/bars.hpp"
#include "lsc/eval/diagnostics.hpp"
#include "lsc/run/checkpoint.hpp"
#include "lsc/run/records.hpp"
#include "lsc/run/train.hpp"

namespace lsc {
namespace {

run::TrainConfig lsc_on_bars(const std::string& sampler, std::uint64_t steps) {
  run::TrainConfig c;
  c.method = "lsc";
  c.sampler = sampler;
  c.steps = steps;
  c.tau_x = 200;
  c.metrics_every = 100;
  c.seed = 4;
  c.threads = 1;
  return c;
}

// Every column but the wall time, with every digit (NaN as null).
std::string without_time(run::MetricsRow r) {
  r.elapsed_s = 0;
  return to_json(r, run::metrics_fields()).dump();
}

TEST(HoldDiagnostics, AcceptanceColumnIsTheEnginesAcceptance) {
  const BarsSource bars(BarsOptions{.seed = 2});
  const run::TrainResult euler = run::train(lsc_on_bars("euler", 400), bars);
  for (const run::MetricsRow& r : euler.metrics) EXPECT_EQ(r.acceptance, 1.0) << r.step;

  // Rows of equal windows: their mean is the engine's count of accepted proposals over the run.
  const run::TrainResult mala = run::train(lsc_on_bars("mala", 1000), bars);
  double mean = 0;
  for (const run::MetricsRow& r : mala.metrics) {
    EXPECT_GT(r.acceptance, 0.0) << r.step;
    EXPECT_LT(r.acceptance, 1.0) << r.step;
    mean += r.acceptance / double(mala.metrics.size());
  }
  EXPECT_NEAR(mean, mala.acceptance, 1e-12);

  // Methods without a sampler have neither column.
  for (const char* method : {"ssc", "dsc"}) {
    run::TrainConfig c;
    c.method = method;
    c.steps = 200;
    c.tau_x = 50;
    c.metrics_every = 100;
    const run::TrainResult r = run::train(c, bars);
    for (const run::MetricsRow& row : r.metrics) {
      EXPECT_TRUE(std::isnan(row.acceptance)) << method;
      EXPECT_TRUE(std::isnan(row.ess)) << method;
    }
    const std::string csv = run::metrics_csv(r.metrics);
    EXPECT_EQ(csv.find("acceptance"), std::string::npos) << method;
    EXPECT_EQ(csv.find("ess"), std::string::npos) << method;
  }
}

// Euler at the default τ_u = 20 against τ_u = 400, twenty times slower coefficient dynamics: the
// ESS of a hold's 400 draws, averaged over 20 holds, must fall clearly (measured 18.6 and 5.9;
// lsc train --data bars --seed 4, 5, 6: 21-26 and 6-9), and each hold's lie between 1 and the hold
// length.
TEST(HoldDiagnostics, EssIsLowerForTheSlowerSampler) {
  const BarsSource bars(BarsOptions{.seed = 2});
  Real ess[2];
  for (int slow = 0; slow < 2; ++slow) {
    run::TrainConfig c = lsc_on_bars("euler", 8000);
    c.tau_x = 400;
    c.metrics_every = 200;
    if (slow) c.tau_u = 400;
    const run::TrainResult r = run::train(c, bars);
    // Rows before the first hold ends have nothing to report; later ones the latest hold's.
    EXPECT_TRUE(std::isnan(r.metrics[0].ess));
    EXPECT_TRUE(std::isnan(r.metrics[0].ess_active));
    ess[slow] = 0;
    for (std::size_t i = 1; i < r.metrics.size(); ++i) {
      const run::MetricsRow& row = r.metrics[i];
      EXPECT_GE(row.ess, 1.0) << row.step;
      EXPECT_LE(row.ess, 400.0) << row.step;
      EXPECT_GE(row.ess_active, 1.0) << row.step;
      EXPECT_LE(row.ess_active, 400.0) << row.step;
      // The row between two hold ends reports the hold before it again.
      if (row.step % 400 == 200) EXPECT_EQ(row.ess, r.metrics[i - 1].ess) << row.step;
      if (row.step % 400 == 0) ess[slow] += row.ess / 20;
    }
    std::cout << "tau_u " << (slow ? 400 : 20) << ": mean ess per hold of 400 steps " << ess[slow] << "\n";
  }
  EXPECT_LT(ess[1], 0.5 * ess[0]);

  // No activities to count without the spike.
  run::TrainConfig c = lsc_on_bars("euler", 400);
  c.prior = PriorKind::laplace;
  const run::TrainResult laplace = run::train(c, bars);
  EXPECT_GE(laplace.metrics.back().ess, 1.0);
  EXPECT_TRUE(std::isnan(laplace.metrics.back().ess_active));
}

class HoldDiagnosticsFiles : public test::TempDirTest {};

// A checkpoint in the middle of a hold's learning steps (MALA: burn-in 100 of 200, checkpoint at
// 350) carries the draws so far: the resumed run writes every row of the uninterrupted one, through
// the checkpoint file too. A checkpoint of an earlier lsc, without them, still resumes, and the
// rows agree again once a whole hold has passed.
TEST_F(HoldDiagnosticsFiles, ResumeMidHoldIsBitExact) {
  const BarsSource bars(BarsOptions{.seed = 2});
  run::TrainConfig c = lsc_on_bars("mala", 1000);
  c.metrics_every = 50;
  c.checkpoint_every = 350;
  c = run::resolve_defaults(c, bars.dim());
  const test::RunWithCheckpoint r = test::train_keeping_first_checkpoint(c, bars);
  ASSERT_TRUE(r.first.has_value());
  ASSERT_EQ(r.first->state.step, 350u);
  ASSERT_EQ(r.first->state.extra.size(), 2u);
  EXPECT_EQ(r.first->state.extra[1].size(), 50 * 8);

  run::save_checkpoint(dir_ / "ck.bin", *r.first, c);
  const run::TrainCheckpoint loaded = run::load_checkpoint(dir_ / "ck.bin", c);
  for (const run::TrainCheckpoint* from : {&*r.first, &loaded}) {
    const run::TrainResult resumed = run::train(c, bars, {}, from);
    ASSERT_EQ(resumed.metrics.size(), r.whole.metrics.size());
    for (std::size_t i = 0; i < resumed.metrics.size(); ++i)
      EXPECT_EQ(without_time(resumed.metrics[i]), without_time(r.whole.metrics[i])) << i;
    EXPECT_EQ(resumed.model.A, r.whole.model.A);
  }

  run::TrainCheckpoint old = *r.first;
  old.state.extra.clear();
  const run::TrainResult resumed = run::train(c, bars, {}, &old);
  EXPECT_EQ(resumed.model.A, r.whole.model.A);
  ASSERT_EQ(resumed.metrics.size(), r.whole.metrics.size());
  for (std::size_t i = 7; i < resumed.metrics.size(); ++i) {
    const run::MetricsRow &got = resumed.metrics[i], &want = r.whole.metrics[i];
    EXPECT_EQ(got.acceptance, want.acceptance) << got.step;
    if (got.step < 600) {  // the hold of steps 200-399 lost its first draws
      EXPECT_TRUE(std::isnan(got.ess)) << got.step;
    } else {
      EXPECT_FALSE(std::isnan(got.ess)) << got.step;
      EXPECT_EQ(got.ess, want.ess) << got.step;
      EXPECT_EQ(got.ess_active, want.ess_active) << got.step;
    }
  }
}

}  // namespace
}  // namespace lsc
