// The record schemas (run/records.hpp): every file format that loops over a field table writes
// what it reads back, refuses what it cannot read with one sentence, and still reads the files
// of earlier versions it promises to read.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

#include "../support/temp_dir.hpp"
#include "lsc/data/bars.hpp"
#include "lsc/io/atomic_file.hpp"
#include "lsc/run/checkpoint.hpp"
#include "lsc/run/records.hpp"
#include "lsc/run/run_folder.hpp"

namespace {

using namespace lsc;
using namespace lsc::run;
using lsc::test::error_of;

// A configuration in which every numeric field differs from its default, so that a field the
// JSON drops or misreads shows.
TrainConfig unusual_config() {
  TrainConfig c;
  double v = 2;
  for (const Field<TrainConfig>& f : train_config_fields()) {
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (!std::is_same_v<M, TextField<TrainConfig>>) {
            auto& field = field_ref(c, m);
            using V = std::decay_t<decltype(field)>;
            if constexpr (std::is_same_v<V, bool>) field = true;
            else if constexpr (std::is_same_v<V, std::optional<bool>>) field = true;
            else if constexpr (std::is_same_v<V, std::optional<Real>> || std::is_same_v<V, std::optional<std::uint64_t>>)
              field = static_cast<typename V::value_type>(v);
            else if constexpr (std::is_arithmetic_v<V>) field = static_cast<V>(v);
          }
        },
        f.member);
    v += 1;
  }
  c.method = "ssc";
  c.prior = PriorKind::cauchy;
  c.sampler = "mala";
  c.dtype = "float64";
  c.backend = "cpu";
  return c;
}

TEST(Records, TrainConfigSurvivesJson) {
  const TrainConfig c = unusual_config();
  const nlohmann::json j = to_json(c, train_config_fields());
  TrainConfig back;
  from_json(back, j, train_config_fields(), "test");
  EXPECT_EQ(to_json(back, train_config_fields()), j);
  EXPECT_EQ(j.size(), train_config_fields().size()) << "a field is missing from the JSON";
  // model.json's config leaves out what changes only how a run executes.
  const nlohmann::json recorded = config_json(c);
  EXPECT_FALSE(recorded.contains("threads"));
  EXPECT_FALSE(recorded.contains("checkpoint_every"));
  EXPECT_TRUE(recorded.contains("tau_A"));
}

TEST(Records, OlderModelJsonStillReads) {
  const nlohmann::json old = {{"method", "lsc"}, {"K", 16}, {"initial", {{"pi", 0.2}, {"lambda", 2.0}, {"sigma", 0.4}}},
                              {"tau_A", 500.0}, {"hold_burn_in", 0}};
  const TrainConfig c = config_from_json(old, "model.json");
  EXPECT_EQ(c.pi, 0.2);
  EXPECT_EQ(c.lambda, 2.0);
  EXPECT_EQ(c.sigma, 0.4);
  EXPECT_EQ(c.tau_A, 500.0);
  EXPECT_EQ(c.hold_burn_in, std::optional<std::uint64_t>(0));
}

TEST(Records, ValuesOutsideTheChoicesOrOfTheWrongTypeAreOneSentence) {
  TrainConfig c;
  EXPECT_EQ(error_of([&] { from_json(c, {{"dtype", "float16"}}, train_config_fields(), "model.json"); }),
            "unknown dtype 'float16'; choose float32 or float64.");
  EXPECT_EQ(error_of([&] { from_json(c, {{"prior", "l7"}}, train_config_fields(), "model.json"); }),
            "unknown prior 'l7'; choose l0, l1, laplace, gaussian or cauchy.");
  const std::string wrong = error_of([&] { from_json(c, {{"K", "sixteen"}}, train_config_fields(), "model.json"); });
  EXPECT_NE(wrong.find("model.json: field 'K' has the wrong type"), std::string::npos) << wrong;
}

class RecordFiles : public lsc::test::TempDirTest {};

std::vector<MetricsRow> some_rows(bool with_elbo) {
  std::vector<MetricsRow> rows(3);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    MetricsRow& r = rows[i];
    r.step = 10 * (i + 1);
    r.elapsed_s = 0.125 * double(i);
    r.reconstruction_error = 0.4 - 0.01 * double(i);
    r.active_fraction = 0.3;
    r.pi = 0.25;
    r.sigma = 0.5;
    r.lambda = 1.5;
    r.mean_norm = 0.75;
    r.tau_u = 20;
    if (with_elbo) r.elbo = -90.5 + double(i);
  }
  return rows;
}

TEST_F(RecordFiles, MetricsCsvRoundTripsWithItsOptionalColumn) {
  for (bool with_elbo : {false, true}) {
    const std::vector<MetricsRow> rows = some_rows(with_elbo);
    const std::string csv = metrics_csv(rows);
    EXPECT_EQ(csv.substr(0, csv.find('\n')),
              std::string("step,elapsed_s,reconstruction_error,active_fraction,pi,sigma,lambda,mean_norm,tau_u") +
                  (with_elbo ? ",elbo" : ""));
    io::write_file_atomic(dir_ / "metrics.csv", csv);
    const std::vector<MetricsRow> back = read_metrics_csv(dir_ / "metrics.csv");
    ASSERT_EQ(back.size(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      // dump(): NaN (no ELBO) is null there, and equal to itself.
      EXPECT_EQ(to_json(back[i], metrics_fields()).dump(), to_json(rows[i], metrics_fields()).dump()) << i;
      EXPECT_EQ(std::isnan(back[i].elbo), !with_elbo);
    }
  }
}

TEST_F(RecordFiles, MetricsCsvOfEarlierVersionsAndForeignFiles) {
  // Before τ_u was recorded: the column is missing and reads as 0.
  io::write_file_atomic(dir_ / "old.csv",
                        "step,elapsed_s,reconstruction_error,active_fraction,pi,sigma,lambda,mean_norm\n"
                        "10,0.5,0.4,0.3,0.3,0.5,1,0.1\n");
  const std::vector<MetricsRow> old = read_metrics_csv(dir_ / "old.csv");
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].step, 10u);
  EXPECT_EQ(old[0].tau_u, 0.0);
  EXPECT_TRUE(std::isnan(old[0].elbo));

  io::write_file_atomic(dir_ / "foreign.csv", "a,b\n1,2\n");
  const std::string e = error_of([&] { read_metrics_csv(dir_ / "foreign.csv"); });
  EXPECT_NE(e.find("not a metrics.csv written by lsc"), std::string::npos) << e;
  io::write_file_atomic(dir_ / "short.csv",
                        "step,elapsed_s,reconstruction_error,active_fraction,pi,sigma,lambda,mean_norm\n10,0.5\n");
  EXPECT_NE(error_of([&] { read_metrics_csv(dir_ / "short.csv"); }).find("a row has 2 values for 8 columns"),
            std::string::npos);
}

TEST_F(RecordFiles, CheckpointOfTheEarlierFormatIsRefusedWithOneSentence) {
  io::write_file_atomic(dir_ / "checkpoint.bin", std::string("LSCCKPT1") + std::string(64, '\0'));
  TrainConfig c = resolve_defaults(TrainConfig{}, 64);
  const std::string e = error_of([&] { load_checkpoint(dir_ / "checkpoint.bin", c); });
  EXPECT_NE(e.find("a checkpoint of another lsc version (format 1, this lsc reads formats 2 and 3)"), std::string::npos) << e;
}

// Issue 20: byte flips in a checkpoint resumed silently, and NaN in A resumed into a NaN run
// folder. Every flipped byte is now caught by the checksum; values that are not finite are
// refused even under a valid checksum (a run that diverged before it was written).
TEST_F(RecordFiles, CorruptOrNonFiniteCheckpointsAreRefused) {
  TrainConfig c;
  c.steps = 20;
  c.metrics_every = 10;
  c.checkpoint_every = 10;
  c.seed = 3;
  const BarsSource bars(BarsOptions{});
  c = resolve_defaults(c, bars.dim());
  TrainCallbacks cb;
  std::optional<TrainCheckpoint> last;
  cb.on_checkpoint = [&](const TrainCheckpoint& ck) { last = ck; };
  train(c, bars, cb);
  ASSERT_TRUE(last.has_value());
  save_checkpoint(dir_ / "ck.bin", *last, c);
  EXPECT_EQ(load_checkpoint(dir_ / "ck.bin", c).state.model.A, last->state.model.A);
  const std::string bytes = lsc::test::slurp(dir_ / "ck.bin");
  int refused = 0, tried = 0;
  for (std::size_t at = 0; at < bytes.size(); at += 97) {  // spread over header, A, U, chains, digest
    std::string flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x10);
    io::write_file_atomic(dir_ / "flipped.bin", flipped);
    ++tried;
    try {
      load_checkpoint(dir_ / "flipped.bin", c);
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_EQ(refused, tried);
  std::cout << refused << " of " << tried << " flipped checkpoints refused\n";
  TrainCheckpoint nan = *last;
  nan.state.model.A(0, 0) = std::numeric_limits<Real>::quiet_NaN();
  save_checkpoint(dir_ / "nan.bin", nan, c);
  EXPECT_NE(error_of([&] { load_checkpoint(dir_ / "nan.bin", c); }).find("NaN, infinite or non-positive"), std::string::npos);
}

TEST_F(RecordFiles, RunFolderReadsBackAsItWasWritten) {
  TrainConfig c;
  c.steps = 40;
  c.metrics_every = 10;
  c.seed = 3;
  const BarsSource bars(BarsOptions{});
  const TrainResult result = train(resolve_defaults(c, bars.dim()), bars);
  const Matrix truth = bars.dictionary();
  save_run(dir_ / "run", result, {"bars", nullptr, truth});

  const SavedRun back = load_run(dir_ / "run");
  EXPECT_EQ(config_json(back.result.config), config_json(result.config));
  EXPECT_EQ(back.result.model.A, result.model.A);
  EXPECT_EQ(back.info.data, "bars");
  ASSERT_EQ(back.result.metrics.size(), result.metrics.size());
  EXPECT_EQ(back.result.metrics.back().step, 40u);
  ASSERT_TRUE(back.summary.has_value());
  const RunSummary expected = run_summary(result, &truth);
  EXPECT_EQ(to_json(*back.summary, run_summary_fields()), to_json(expected, run_summary_fields()));
  EXPECT_TRUE(back.summary->bars_recovered.has_value());
  EXPECT_FALSE(back.summary->elbo.has_value()) << "the ELBO is an svae field";
}

}  // namespace
