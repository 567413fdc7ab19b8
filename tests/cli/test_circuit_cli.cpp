// End-to-end checks of `lsc circuit` (docs/circuit.md): the noiseless L1 circuit against the
// equations' solution with every output file, a short sampling run of each noise model, and
// one-sentence errors.
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

TEST_F(CircuitCli, EveryNoiseModelRuns) {
  for (const char* noise : {"white", "uniform", "two_level", "telegraph"}) {
    const fs::path out = dir_ / noise;
    const auto r = lsc(problem() + "--prior l0 --noise " + noise +
                       " --duration 20 --noise-step 0.02 --correlation 0.1 --no-plots --out " + out.string());
    ASSERT_EQ(r.status, 0) << noise << ": " << r.err;
    const nlohmann::json s = nlohmann::json::parse(slurp(out / "summary.json"));
    for (const auto& p : s["active"]) EXPECT_TRUE(p.get<double>() > 0 && p.get<double>() < 1) << noise << s.dump();
  }
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
}

}  // namespace
