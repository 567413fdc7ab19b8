// End-to-end checks of `lsc circuit` (docs/circuit.md): the noiseless L1 circuit against the
// equations' solution with every output file, a short sampling run of each noise model, the
// learning circuit's run folder (read back by `lsc infer`), and one-sentence errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/cli_test.hpp"
#include "lsc/circuit/ngspice.hpp"
#include "lsc/io/npy.hpp"

namespace fs = std::filesystem;

namespace {

using lsc::test::slurp;

class CircuitCli : public lsc::test::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    std::string why;
    if (!lsc::circuit::ngspice_available(&why)) GTEST_SKIP() << why;
    lsc::Matrix A(3, 2);  // science.md's K = 2 case, columns as elements
    A << 1.0, 0.6, 0.0, 0.8, 0.2, 0.1;
    lsc::io::write_npy_rows(dir_ / "A.npy", A);
    lsc::io::write_npy_rows(dir_ / "x.npy", lsc::Matrix(lsc::Vector{{0.9, 0.7, 0.1}}));
  }
  std::string problem() const {
    return "circuit --dictionary " + (dir_ / "A.npy").string() + " --data " + (dir_ / "x.npy").string() + " ";
  }
};

TEST_F(CircuitCli, NoiselessL1CircuitMatchesTheEquationsAndWritesItsFiles) {
  const fs::path out = dir_ / "l1";
  const auto r = lsc(problem() + "--prior l1 --noise none --duration 6 --smoothing 1e-6 --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* f : {"circuit.cir", "voltages.csv", "mean.npy", "active.npy", "samples.npy", "summary.json"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  const nlohmann::json s = nlohmann::json::parse(slurp(out / "summary.json"));
  EXPECT_LT(s["max_abs_s_minus_equations"].get<double>(), 2e-3) << s.dump();
  EXPECT_EQ(lsc::io::read_npy(out / "mean.npy").shape, (std::vector<std::size_t>{2}));
  EXPECT_EQ(lsc::io::read_npy(out / "samples.npy").shape[1], 2u);
  EXPECT_NE(slurp(out / "voltages.csv").find("time_s,u1_V,u2_V,s1_V,s2_V,s1_equations,s2_equations"), std::string::npos);
  EXPECT_EQ(slurp(out / "circuit.cir").find("TRNOISE"), std::string::npos);  // no noise source
}

TEST_F(CircuitCli, GilbertCellMultipliersRun) {
  const fs::path out = dir_ / "gilbert";
  const auto r = lsc(problem() + "--prior l1 --noise none --multiplier gilbert --duration 3 --smoothing 1e-6 --no-plots --out " +
                     out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json s = nlohmann::json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(s["multiplier"], "gilbert");
  EXPECT_LT(s["max_abs_s_minus_equations"].get<double>(), 1e-2) << s.dump();
  EXPECT_NE(slurp(out / "circuit.cir").find(".subckt gilbert"), std::string::npos);
}

TEST_F(CircuitCli, EveryNoiseModelRuns) {
  for (const char* noise : {"white", "uniform", "two_level", "telegraph", "pink"}) {
    const fs::path out = dir_ / noise;
    // Pink noise reaches down to 1/duration (its default): with --correlation 0.1 its density
    // below 1/τ_u would be a twentieth of the others' and nothing would switch in 20 τ_u.
    const std::string correlation = std::string(noise) == "pink" ? "" : " --correlation 0.1";
    const auto r = lsc(problem() + "--prior l0 --noise " + noise + " --duration 20 --noise-step 0.02" + correlation +
                       " --no-plots --out " + out.string());
    ASSERT_EQ(r.status, 0) << noise << ": " << r.err;
    const nlohmann::json s = nlohmann::json::parse(slurp(out / "summary.json"));
    // Some coefficient switches in 20 τ_u (pink noise's slow components may hold the other one).
    double switching = 0;
    for (const auto& p : s["active"]) switching += p.get<double>() > 0 && p.get<double>() < 1;
    EXPECT_GT(switching, std::string(noise) == "pink" ? 0 : 1) << noise << s.dump();
  }
}

// The learning circuit on 3×3 bars (D 9, K 6, N 2, noiseless L1): a run folder that lsc infer
// reads, the dictionary's trace, and lsc's own learner with the same settings beside it.
TEST_F(CircuitCli, LearningCircuitWritesARunFolderThatInferReads) {
  const fs::path out = dir_ / "learn";
  const auto r = lsc("circuit --learn --bars-size 3 --K 6 --batch 2 --batches 4 --tau-x 2 --tau-A 10 --prior l1 "
                     "--noise none --smoothing 1e-6 --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* f : {"dictionary.npy", "model.json", "metrics.csv", "summary.json", "circuit.cir", "dictionary_trace.npy",
                        "dictionary_equations.npy", "circuit.json"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  EXPECT_EQ(lsc::io::read_npy(out / "dictionary.npy").shape, (std::vector<std::size_t>{6, 9}));
  EXPECT_EQ(lsc::io::read_npy(out / "dictionary_trace.npy").shape, (std::vector<std::size_t>{41, 6, 9}));
  const nlohmann::json c = nlohmann::json::parse(slurp(out / "circuit.json"));
  EXPECT_GT(c["max_abs_A_change"].get<double>(), 0.05) << c.dump();
  EXPECT_LT(c["max_abs_A_minus_equations"].get<double>(), 0.05 * c["max_abs_A_change"].get<double>()) << c.dump();
  lsc::io::write_npy_rows(dir_ / "x9.npy", lsc::Matrix::Constant(9, 3, 0.3));
  const auto infer = lsc("infer --model " + out.string() + " --data " + (dir_ / "x9.npy").string() + " --samples 20 --out-mean " +
                         (dir_ / "M.npy").string());
  EXPECT_EQ(infer.status, 0) << infer.err;
}

TEST_F(CircuitCli, BadInputsGiveOneSentenceErrors) {
  lsc::io::write_npy_rows(dir_ / "wrong.npy", lsc::Matrix::Zero(4, 1));
  expect_one_sentence_error(lsc("circuit --dictionary " + (dir_ / "A.npy").string() + " --data " +
                                (dir_ / "wrong.npy").string() + " --out " + (dir_ / "o").string()),
                            "dictionary has D = 3");
  expect_one_sentence_error(lsc(problem() + "--point 5 --out " + (dir_ / "o").string()), "--point 5");
  expect_one_sentence_error(lsc("circuit --model " + (dir_ / "no_run").string() + " --data " + (dir_ / "x.npy").string() +
                                " --out " + (dir_ / "o").string()),
                            "no_run");
  expect_one_sentence_error(lsc(problem() + "--duration 5 --burn-in 10 --out " + (dir_ / "o").string()), "--burn-in");
  expect_one_sentence_error(lsc("circuit --data " + (dir_ / "x.npy").string() + " --out " + (dir_ / "o").string()),
                            "--model RUN_DIR or --dictionary");
  expect_one_sentence_error(lsc("circuit --dictionary " + (dir_ / "A.npy").string() + " --out " + (dir_ / "o").string()),
                            "--data X.npy");
  expect_one_sentence_error(lsc("circuit --learn --dictionary " + (dir_ / "A.npy").string() + " --out " + (dir_ / "o").string()),
                            "dictionary has D = 3");
  expect_one_sentence_error(lsc("circuit --learn --tau-x 0.01 --out " + (dir_ / "o").string()), "--tau-x");
  expect_one_sentence_error(lsc("circuit --learn --multiplier gilbert --out " + (dir_ / "o").string()), "--multiplier gilbert");
}

}  // namespace
