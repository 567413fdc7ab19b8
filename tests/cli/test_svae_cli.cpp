// `lsc train --method svae` end to end: the run folder (the same files as every method, plus the
// encoder), that `lsc infer` and load_svae read it, the reproducibility promise (threads,
// checkpoint and resume), and the one-sentence errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/stats.hpp"
#include "../support/cli_test.hpp"
#include "lsc/io/npy.hpp"
#include "lsc/learn/svae.hpp"
#include "lsc/run/run_folder.hpp"

namespace fs = std::filesystem;

namespace lsc {
namespace {

using test::slurp;


class SvaeCli : public test::CliTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    // 2000 points of a Gaussian-prior linear model, D = 16, K = 24.
    const Matrix A = random_dictionary(16, 24, 1);
    const Matrix X = A * test::random_normal(24, 2000, 2) + std::exp(-1.0) * test::random_normal(16, 2000, 3);
    data_ = dir_ / "X.npy";
    io::write_npy_rows(data_, X);
  }
  std::string train(const std::string& extra) {
    return "train --method svae --data " + data_.string() + " --K 24 --quiet " + extra;
  }
  // Every file of a run folder's model: dictionary and encoder, concatenated.
  std::string model_bytes(const fs::path& run) {
    std::string out = slurp(run / "dictionary.npy");
    for (const char* net : {"shared_0", "mean_0", "mean_2", "mean_4", "variance_0", "variance_2", "variance_4"})
      out += slurp(run / "encoder" / (std::string(net) + "_W.npy")) + slurp(run / "encoder" / (std::string(net) + "_b.npy"));
    return out;
  }
  fs::path data_;
};

TEST_F(SvaeCli, TrainWritesARunFolderThatInferAndLoadSvaeRead) {
  const fs::path run = dir_ / "run";
  const test::CliResult r = lsc(train("--prior cauchy --steps 300 --seed 4 --out " + run.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("ELBO"), std::string::npos) << r.out;

  const io::NpyArray A = io::read_npy(run / "dictionary.npy");
  EXPECT_EQ(A.shape, (std::vector<std::size_t>{24, 16}));
  const nlohmann::json model = nlohmann::json::parse(slurp(run / "model.json"));
  EXPECT_EQ(model["method"], "svae");
  EXPECT_EQ(model["prior"]["name"], "cauchy");
  EXPECT_EQ(model["prior"]["lambda"].get<double>(), 1.0);
  EXPECT_EQ(model["sigma"].get<double>(), std::exp(-1.0));  // σ² = e^−2 (SVAE §4.2)
  EXPECT_EQ(model["config"]["batch"], 32);
  EXPECT_EQ(model["config"]["lr"].get<double>(), 1e-4);
  for (const char* f : {"metrics.csv", "dictionary.png", "summary.json", "encoder/encoder.json"})
    EXPECT_TRUE(fs::exists(run / f)) << f;

  // metrics.csv: the usual columns and the ELBO, finite on every row.
  std::istringstream csv(slurp(run / "metrics.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "step,elapsed_s,reconstruction_error,active_fraction,pi,sigma,lambda,mean_norm,tau_u,elbo");
  int rows = 0;
  while (std::getline(csv, line)) {
    const double elbo = std::stod(line.substr(line.rfind(',') + 1));
    EXPECT_TRUE(std::isfinite(elbo)) << line;
    ++rows;
  }
  EXPECT_GT(rows, 10);
  const nlohmann::json summary = nlohmann::json::parse(slurp(run / "summary.json"));
  EXPECT_TRUE(std::isfinite(summary["elbo"].get<double>()));

  // The encoder comes back exactly, and evaluates to the ELBO the metrics reported, within the
  // noise of those 32-point batch estimates (a loose check that it is the same model).
  const Svae svae = run::load_svae(run);
  EXPECT_EQ(svae.model().A, Eigen::Map<const Matrix>(A.data.data(), 16, 24));
  EXPECT_EQ(svae.model().prior.kind, PriorKind::cauchy);
  const Matrix X = io::read_npy_rows(data_);
  const ElboEstimate e = svae.elbo(X, 2, 5);
  EXPECT_NEAR(e.mean, summary["elbo"].get<double>(), 0.1 * std::abs(e.mean));

  // `lsc infer` reads the folder as any other.
  const fs::path mean = dir_ / "mean.npy";
  const test::CliResult inf = lsc("infer --model " + run.string() + " --data " + data_.string() +
                         " --method map --quiet --out-mean " + mean.string());
  ASSERT_EQ(inf.status, 0) << inf.err;
  EXPECT_EQ(io::read_npy(mean).shape, (std::vector<std::size_t>{2000, 24}));
}

// The reproducibility promise: same bytes with one and two threads, and a run stopped at its
// checkpoint and resumed ends where an uninterrupted run does.
TEST_F(SvaeCli, BitIdenticalAcrossThreadsAndAcrossResume) {
  const std::string opts = "--prior laplace --steps 200 --seed 6 --metrics-every 50 ";
  ASSERT_EQ(lsc(train(opts + "--threads 1 --out " + (dir_ / "one").string())).status, 0);
  ASSERT_EQ(lsc(train(opts + "--threads 2 --out " + (dir_ / "two").string())).status, 0);
  EXPECT_EQ(model_bytes(dir_ / "one"), model_bytes(dir_ / "two"));

  const fs::path split = dir_ / "split";
  ASSERT_EQ(lsc(train("--prior laplace --steps 100 --seed 6 --metrics-every 50 --checkpoint-every 100 --out " +
                      split.string())).status, 0);
  ASSERT_TRUE(fs::exists(split / "checkpoint.bin"));
  const test::CliResult r = lsc(train(opts + "--checkpoint-every 100 --resume --out " + split.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(model_bytes(split), model_bytes(dir_ / "one"));

  const fs::path other = dir_ / "other";
  ASSERT_EQ(lsc(train("--prior laplace --steps 200 --seed 7 --metrics-every 50 --out " + other.string())).status, 0);
  EXPECT_NE(model_bytes(other), model_bytes(dir_ / "one")) << "the seed must matter";
}

TEST_F(SvaeCli, OneSentenceErrors) {
  const fs::path run = dir_ / "run";
  expect_one_sentence_error(lsc(train("--prior l0 --steps 10 --out " + run.string())), "--prior cauchy");
  expect_one_sentence_error(lsc(train("--learn-sigma --steps 10 --out " + run.string())), "--learn-sigma");
  expect_one_sentence_error(lsc(train("--normalize --steps 10 --out " + run.string())), "--normalize");
  expect_one_sentence_error(lsc(train("--lr -1 --steps 10 --out " + run.string())), "--lr");
  expect_one_sentence_error(lsc("train --method lsc --data bars --lr 1e-3 --steps 10 --quiet --out " + run.string()),
                            "--method svae");
  EXPECT_FALSE(fs::exists(run / "dictionary.npy"));
  // A run folder of another method has no encoder.
  ASSERT_EQ(lsc("train --method dsc --data bars --steps 10 --quiet --out " + run.string()).status, 0);
  const std::string msg = test::error_of([&] { run::load_svae(run); });
  EXPECT_NE(msg.find("--method svae"), std::string::npos) << msg;
}

}  // namespace
}  // namespace lsc
