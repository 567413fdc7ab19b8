// End-to-end checks of `lsc eval loglik`: the Gaussian oracle through the command line, the
// per-point outputs (JSON and CSV), the BDMC bracket on simulated data, the whitening statement,
// and one-sentence errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "../support/cli_test.hpp"
#include "lsc/eval/ais.hpp"
#include "lsc/eval/gaussian_loglik.hpp"
#include "lsc/io/npy.hpp"

namespace fs = std::filesystem;

namespace {

using lsc::test::slurp;

class EvalCli : public lsc::test::CliTest {
 protected:
  // A run folder as 'lsc train' writes it (model.json, dictionary.npy), for a given model.
  fs::path write_run(const lsc::Model& m, const nlohmann::json& preprocessing = nullptr) {
    const fs::path run = dir_ / "run";
    fs::create_directories(run);
    lsc::io::write_npy(run / "dictionary.npy", m.A.data(),
                       {static_cast<std::size_t>(m.K()), static_cast<std::size_t>(m.D())});
    const nlohmann::json j = {{"D", m.D()},
                              {"K", m.K()},
                              {"prior", {{"name", m.prior.name()}, {"lambda", m.prior.lambda}, {"pi", m.prior.pi}}},
                              {"sigma", m.sigma},
                              {"preprocessing", preprocessing}};
    std::ofstream(run / "model.json") << j.dump(2);
    return run;
  }
  const lsc::Model gaussian_{lsc::random_dictionary(16, 24, 3), std::exp(-1.0),
                             lsc::Prior::make(lsc::PriorKind::gaussian, 1.0)};
};

TEST_F(EvalCli, GaussianModelMatchesTheClosedFormAndWritesPerPointResults) {
  const fs::path run = write_run(gaussian_);
  const lsc::Matrix X = lsc::simulate_data(gaussian_, 10, 4).X;
  lsc::io::write_npy_rows(dir_ / "x.npy", X);
  const std::string common = "eval loglik --quiet --model " + run.string() + " --data " + (dir_ / "x.npy").string() +
                             " --steps 1000 --schedule sigmoid --seed 5 --threads 1";
  const lsc::test::CliResult r = lsc(common + " --out " + (dir_ / "r.json").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("nats per data point"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exact (Gaussian prior, closed form)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("whitening: none recorded"), std::string::npos) << r.out;
  const nlohmann::json j = nlohmann::json::parse(slurp(dir_ / "r.json"));
  ASSERT_EQ(j["forward"]["log_px"].size(), 10u);
  const double mean = j["forward"]["mean"], se_mc = j["forward"]["se_mc"];
  const double exact = lsc::gaussian_log_likelihood(gaussian_, X).mean();
  EXPECT_NEAR(j["exact"]["mean"].get<double>(), exact, 1e-9);
  // Within 0.5 nats and 4 Monte Carlo standard errors, which are small enough to mean something.
  EXPECT_LE(std::abs(mean - exact), 0.5);
  EXPECT_LE(std::abs(mean - exact), 4 * se_mc);
  EXPECT_LE(se_mc, 0.125);
  // The same run as CSV: one row per point with the same numbers.
  ASSERT_EQ(lsc(common + " --out " + (dir_ / "r.csv").string()).status, 0);
  std::ifstream csv(dir_ / "r.csv");
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "index,log_px,se,ess");
  int rows = 0;
  while (std::getline(csv, line)) {
    const double v = std::stod(line.substr(line.find(',') + 1));
    EXPECT_NEAR(v, j["forward"]["log_px"][rows].get<double>(), 1e-6);
    ++rows;
  }
  EXPECT_EQ(rows, 10);
}

TEST_F(EvalCli, SimulateRunsBdmcAndStatesTheWhitening) {
  const nlohmann::json recipe = {{"whiten", "olshausen"}, {"patch", 4}};
  const lsc::Model l0{lsc::random_dictionary(16, 24, 6), 0.5, lsc::Prior::make(lsc::PriorKind::l0, 1.0, 0.3)};
  const fs::path run = write_run(l0, recipe);
  const lsc::test::CliResult r = lsc("eval loglik --quiet --model " + run.string() + " --simulate 6 --steps 50 --threads 1 --out " +
                       (dir_ / "b.json").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("BDMC: forward"), std::string::npos) << r.out;
  // Named in one line (a PCA recipe holds a D×P basis); the whole recipe goes to the JSON.
  EXPECT_NE(r.out.find("whitening: olshausen, 4x4 patches; the fitted transform is model.json's \"preprocessing\""),
            std::string::npos) << r.out;
  const nlohmann::json j = nlohmann::json::parse(slurp(dir_ / "b.json"));
  EXPECT_EQ(j["reverse"]["log_px"].size(), 6u);
  EXPECT_NEAR(j["gap"].get<double>(), j["reverse"]["mean"].get<double>() - j["forward"]["mean"].get<double>(), 1e-12);
  EXPECT_EQ(j["whitening"], recipe);
}

TEST_F(EvalCli, BadInputsGiveOneSentenceErrors) {
  const fs::path run = write_run(gaussian_);
  lsc::io::write_npy_rows(dir_ / "wrong.npy", lsc::Matrix::Zero(15, 4));
  lsc::io::write_npy_rows(dir_ / "x.npy", lsc::Matrix::Zero(16, 4));
  const std::string base = "eval loglik --quiet --model " + run.string();
  expect_one_sentence_error(lsc(base + " --data " + (dir_ / "wrong.npy").string()), "16");
  expect_one_sentence_error(lsc(base + " --data " + (dir_ / "x.npy").string() + " --steps 0"), "--steps must be at least 1");
  expect_one_sentence_error(lsc(base + " --data " + (dir_ / "x.npy").string() + " --out r.txt"), ".json or .csv");
  expect_one_sentence_error(lsc(base), "--simulate");
  lsc::io::write_npy_rows(dir_ / "s.npy", lsc::Matrix::Zero(24, 3));
  expect_one_sentence_error(
      lsc(base + " --data " + (dir_ / "x.npy").string() + " --latents " + (dir_ / "s.npy").string()), "--latents");
  EXPECT_FALSE(fs::exists("r.txt"));
}

}  // namespace
