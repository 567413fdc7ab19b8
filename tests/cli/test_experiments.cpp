// Every experiment's --quick version runs end to end (numbers, CSVs, plots) and shows its effect,
// checked against thresholds looser than the full versions' targets (docs/results.md) but real:
// each one fails if the effect the figure is about is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/temp_dir.hpp"
#include "lsc/io/atomic_file.hpp"

namespace fs = std::filesystem;

namespace {

class Experiment : public lsc::test::TempDirTest {
 protected:
  nlohmann::json run(const std::string& name, std::initializer_list<const char*> plots) {
    const std::string cmd = std::string(LSC_BINARY) + " experiment " + name + " --quick --out " + dir_.string() +
                            " > " + (dir_ / "log.txt").string() + " 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << lsc::test::slurp(dir_ / "log.txt");
    for (const char* p : plots) EXPECT_GT(fs::file_size(dir_ / p), 2000u) << p;  // a real picture, not an empty canvas
    return nlohmann::json::parse(lsc::test::slurp(dir_ / "summary.json"));
  }
};

TEST_F(Experiment, Fig4aLambdaSetsSparsityOnlyIndirectly) {
  const nlohmann::json s = run("fig4a", {"fig4a.png"});
  // Activity falls with λ, and at every λ the two data sets differ: no λ is "the" π.
  std::map<std::string, std::vector<double>> curve;
  for (const auto& r : s["sweep"])
    curve[r["method"].get<std::string>() + std::to_string(r["pi_data"].get<double>())].push_back(r["active_fraction"]);
  for (const auto& [key, v] : curve) {
    ASSERT_GE(v.size(), 8u) << key;
    EXPECT_GT(v.front(), v.back() + 0.2) << key;
    for (std::size_t i = 1; i < v.size(); ++i) EXPECT_LE(v[i], v[i - 1] + 0.01) << key;
  }
  for (const char* m : {"dsc", "lca"})
    for (std::size_t i = 0; i < curve[std::string(m) + "0.300000"].size(); ++i)
      EXPECT_GT(curve[std::string(m) + "0.300000"][i], curve[std::string(m) + "0.100000"][i]) << m;
}

TEST_F(Experiment, Fig4bLearnsPi) {
  const nlohmann::json s = run("fig4b", {"fig4b.png"});
  EXPECT_NEAR(s["pi_final"]["0.3"].get<double>(), 0.3, 0.05);
  EXPECT_NEAR(s["pi_final"]["0.1"].get<double>(), 0.1, 0.03);
}

TEST_F(Experiment, Fig5OnlyL0LscMatchesThePrior) {
  const nlohmann::json s = run("fig5", {"fig5.png"});
  const nlohmann::json& kl = s["kl"]["learned"];
  EXPECT_LT(kl["lsc"].get<double>(), 0.05);
  EXPECT_LT(3 * kl["lsc"].get<double>(), kl["dsc"].get<double>());
  EXPECT_LT(3 * kl["lsc"].get<double>(), kl["lca"].get<double>());
  EXPECT_NEAR(s["zero_fraction"]["learned"]["lsc"].get<double>(), 0.7, 0.06);
}

TEST_F(Experiment, Fig10OnlyL0LscGoesToZero) {
  const nlohmann::json s = run("fig10", {"fig10.png"});
  const nlohmann::json& kl = s["kl_final"];
  EXPECT_LT(kl["lsc"].get<double>(), 0.02);
  EXPECT_LT(3 * kl["lsc"].get<double>(), kl["dsc"].get<double>());
  EXPECT_LT(3 * kl["lsc"].get<double>(), kl["lca"].get<double>());
}

TEST_F(Experiment, Fig6KeepsTheBarsWithoutNormalization) {
  // The quick run is too short for the surplus elements to vanish (docs/results.md: even the
  // full run leaves them at 0.3-0.6 of the bars' norm); it checks the bars themselves.
  const nlohmann::json s = run("fig6", {"fig6_norms.png", "fig6_mosaic.png"});
  EXPECT_EQ(s["norms_final"].size(), 32u);
  EXPECT_GE(s["matched"].get<int>(), 12);
  EXPECT_LT(s["norms_final"].back().get<double>(), 0.8 * s["true_norm"].get<double>());
}

TEST_F(Experiment, Fig7DuplicatesBarsAndHalvesPi) {
  const nlohmann::json s = run("fig7", {"fig7.png", "fig7_mosaic.png"});
  EXPECT_LT(s["pi_final"].get<double>(), 0.25);
  EXPECT_GE(s["duplicated_pairs"].get<int>(), 4);
}

// The natural-image experiments read BSDS300 from ../shared beside the repository (as CI has it);
// without those images they are skipped, and the missing data is a one-sentence error.
bool have_images() { return fs::exists(fs::path(LSC_SOURCE_DIR) / "../shared/data/bsds300/images/train"); }

TEST_F(Experiment, Fig8NormsSpreadAndElementsTakeShape) {
  // The paper's target (the surplus half of the elements vanishes) is not reproduced even by the
  // full run (docs/results.md); the quick run checks that the dictionary learns at all: the
  // norms leave their start (about 1) and spread, and the elements are more oriented than the
  // random start. Measured: mean norm 0.50, largest/smallest 2.4, orientation 0.24 vs 0.15.
  if (!have_images()) GTEST_SKIP() << "../shared/data/bsds300 is not beside the repository";
  const nlohmann::json s = run("fig8", {"fig8_norms.png", "fig8_mosaic.png"});
  const std::vector<double> norms = s["norms_final"];
  ASSERT_EQ(norms.size(), 256u);
  double mean = 0;
  for (double n : norms) mean += n / 256;
  EXPECT_LT(mean, 0.8);
  EXPECT_GT(norms.front(), 1.5 * norms.back());
  EXPECT_GT(s["shape_used"]["orientation_median"].get<double>(),
            s["shape_random"]["orientation_median"].get<double>() + 0.05);
}

TEST_F(Experiment, Fig9PiFallsAsOneOverOvercompleteness) {
  if (!have_images()) GTEST_SKIP() << "../shared/data/bsds300 is not beside the repository";
  const nlohmann::json s = run("fig9", {"fig9.png", "fig9_pi.png"});
  const std::vector<double> pi = s["pi"], piK = s["pi_times_K"];
  ASSERT_EQ(pi.size(), 4u);
  for (std::size_t i = 1; i < pi.size(); ++i) EXPECT_LT(pi[i], pi[i - 1]) << "overcompleteness " << i + 1;
  // π ∝ 1/Ω is a slope of −1 in log-log; a constant π (no effect) would be 0. The quick run
  // measured −0.83.
  EXPECT_LT(s["log_log_slope"].get<double>(), -0.6);
  EXPECT_GT(s["log_log_slope"].get<double>(), -1.3);
  // π·K nearly constant: within a factor 1.5 across a fourfold change of K (measured: 1.25).
  EXPECT_LT(*std::max_element(piK.begin(), piK.end()), 1.5 * *std::min_element(piK.begin(), piK.end()));
}

TEST_F(Experiment, Table1ScoresEveryMethodOnOneScale) {
  if (!have_images()) GTEST_SKIP() << "../shared/data/bsds300 is not beside the repository";
  const nlohmann::json s = run("table1", {"table1.png"});
  ASSERT_EQ(s["rows"].size(), 8u);
  EXPECT_EQ(s["data"]["D"].get<int>(), 113);  // round(π/4 · 144) components kept
  for (const auto& r : s["rows"]) {
    EXPECT_TRUE(std::isfinite(r["loglik"].get<double>())) << r;
    EXPECT_GT(r["stderr"].get<double>(), 0) << r;
    // AIS is a stochastic lower bound: with the Gaussian prior it cannot exceed the exact value
    // by more than its Monte Carlo error (here 200 steps leave it well below).
    if (r.contains("exact"))
      EXPECT_LT(r["loglik"].get<double>(), r["exact"].get<double>() + 4 * r["stderr_mc"].get<double>() + 1e-9) << r;
  }
  // Per-patch values, and the paper's orderings as paired differences on the same patches: the
  // mean paired difference is the difference of the rows' means.
  const std::string points = lsc::test::slurp(dir_ / "loglik_points.csv");
  EXPECT_EQ(points.substr(0, points.find('\n')),
            "patch,svae_cauchy,svae_laplace,svae_gaussian,dsc_cauchy,dsc_laplace,dsc_gaussian,lsc_laplace,lsc_l0");
  EXPECT_EQ(std::count(points.begin(), points.end(), '\n'), 1 + s["data"]["test_patches"].get<long>());
  ASSERT_EQ(s["comparisons"].size(), 5u);
  const auto loglik = [&](const std::string& name) {
    for (const auto& r : s["rows"])
      if (r["method"].get<std::string>() + " " + r["prior"].get<std::string>() == name) return r["loglik"].get<double>();
    return std::nan("");
  };
  for (const auto& c : s["comparisons"]) {
    EXPECT_NEAR(c["difference"].get<double>(), loglik(c["a"]) - loglik(c["b"]), 1e-9) << c;
    EXPECT_GT(c["stderr"].get<double>(), 0) << c;
  }
  EXPECT_FALSE(s["rows"][0].contains("log_px"));
  // A stopped run continues after its last finished row: with two rows forgotten, a rerun into
  // the same folder recomputes exactly those two and keeps the rest as they were.
  nlohmann::json done = nlohmann::json::parse(lsc::test::slurp(dir_ / "rows_done.json"));
  ASSERT_EQ(done.size(), 8u);
  done.erase(done.end() - 2, done.end());
  lsc::io::write_file_atomic(dir_ / "rows_done.json", done.dump());
  const nlohmann::json again = run("table1", {"table1.png"});
  ASSERT_EQ(again["rows"].size(), 8u);
  for (std::size_t i = 0; i < 8; ++i)  // the recomputed rows too: same seeds, same numbers
    for (const char* key : {"method", "prior", "loglik", "stderr", "stderr_mc"})
      EXPECT_EQ(again["rows"][i][key], s["rows"][i][key]) << i << " " << key;
  EXPECT_EQ(lsc::test::slurp(dir_ / "log.txt").find("training svae"), std::string::npos);
  EXPECT_NE(lsc::test::slurp(dir_ / "log.txt").find("training lsc with the l0 prior"), std::string::npos);
}

TEST_F(Experiment, ImageExperimentsWithoutImagesAreOneSentence) {
  const std::string cmd = std::string(LSC_BINARY) + " experiment fig8 --images " + (dir_ / "none").string() +
                          " --out " + (dir_ / "out").string() + " 2> " + (dir_ / "err.txt").string();
  EXPECT_NE(std::system(cmd.c_str()), 0);
  const std::string err = lsc::test::slurp(dir_ / "err.txt");
  EXPECT_NE(err.find("--images"), std::string::npos) << err;
}

TEST_F(Experiment, ListNamesEveryExperimentAndUnknownNamesFail) {
  const std::string cmd = std::string(LSC_BINARY) + " experiment --list > " + (dir_ / "list.txt").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string list = lsc::test::slurp(dir_ / "list.txt");
  for (const char* n : {"fig4a", "fig4b", "fig5", "fig10", "fig6", "fig7", "fig8", "fig9", "table1"}) EXPECT_NE(list.find(n), std::string::npos) << n;
  EXPECT_NE(std::system((std::string(LSC_BINARY) + " experiment nope --out " + dir_.string() + " 2>/dev/null").c_str()), 0);
}

}  // namespace
