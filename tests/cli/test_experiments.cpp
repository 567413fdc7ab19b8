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

TEST_F(Experiment, Fig6SurplusElementsFadeWhenTheModelsPiExceedsTheDatas) {
  // The authors' settings (model π 0.4, data π 0.2): one element per bar at about
  // √(0.2/0.4) ≈ 0.71 of the bar's norm, the surplus fading. The quick run (60 000 steps,
  // τ_A 2000) measured 16 bars matched at 0.62-0.68 and the other 16 at 0.11-0.17 (a gap of a
  // factor 3.7); a dictionary that kept duplicates would have no gap. The full run: docs/results.md.
  const nlohmann::json s = run("fig6", {"fig6_norms.png", "fig6_mosaic.png", "fig6_equal_pi_mosaic.png"});
  const std::vector<double> norms = s["norms_final"];
  ASSERT_EQ(norms.size(), 32u);
  EXPECT_EQ(s["matched"].get<int>(), 16);
  EXPECT_EQ(s["strong_elements"].get<int>(), 16);
  EXPECT_LT(norms[16], 0.4 * norms[15]);
  // Model π = data π (MALA): the bars are found, the surplus neither vanishes nor takes over.
  const nlohmann::json& eq = s["equal_pi"];
  EXPECT_GE(eq["matched"].get<int>(), 12);
  EXPECT_LT(eq["norms_final"].back().get<double>(), 0.8 * eq["true_norm"].get<double>());
}

TEST_F(Experiment, Fig7DuplicatesBarsAndHalvesPi) {
  const nlohmann::json s = run("fig7", {"fig7.png", "fig7_mosaic.png"});
  EXPECT_LT(s["pi_final"].get<double>(), 0.25);
  EXPECT_GE(s["duplicated_pairs"].get<int>(), 4);
}

// The natural-image experiments read BSDS300 from ../shared beside the repository (as CI has it);
// without those images they are skipped, and the missing data is a one-sentence error.
bool have_images() { return fs::exists(fs::path(LSC_SOURCE_DIR) / "../shared/data/bsds300/images/train"); }

TEST_F(Experiment, Fig8ElementsBecomeGaborLike) {
  // The quick runs are too short for the norms to split (the full run: docs/results.md); they
  // check that the elements take the shape of natural-image features. Margin over noise: white
  // noise elements fitted by the same Gabor fit reach R² ≥ 0.7 in none of 200 cases
  // (tests/eval/test_gabor_fit.cpp), so at a rate p ≤ 1/200 a noise dictionary of 256 expects
  // ≤ 1.3 Gabor-like elements, and 13 or more (5 %) has Poisson probability < 1e-9. Measured:
  // 22 (authors' settings, 60 000 steps) and 79 (defaults, K only: σ 0.5, π 0.3, 40 000 steps).
  if (!have_images()) GTEST_SKIP() << "../shared/data/bsds300 is not beside the repository";
  const nlohmann::json s = run("fig8", {"fig8_norms.png", "fig8_mosaic.png", "fig8_defaults_mosaic.png"});
  ASSERT_EQ(s["norms_final"].size(), 256u);
  EXPECT_GE(s["gabor_fraction"].get<double>(), 0.05);
  EXPECT_GE(s["defaults"]["gabor_fraction"].get<double>(), 0.05);
  EXPECT_TRUE(fs::exists(dir_ / "run_defaults" / "gabor_fits.csv"));
  // The small start grows: the norms leave 0.1 and spread.
  const std::vector<double> norms = s["defaults"]["norms_final"];
  EXPECT_GT(norms.front(), 3 * 0.1);
  EXPECT_GT(norms.front(), 1.5 * norms.back());
}

TEST_F(Experiment, Fig9PiFallsAsOneOverOvercompleteness) {
  if (!have_images()) GTEST_SKIP() << "../shared/data/bsds300 is not beside the repository";
  const nlohmann::json s = run("fig9", {"fig9.png", "fig9_pi.png"});
  const std::vector<double> pi = s["pi"], piK = s["pi_times_K"];
  ASSERT_EQ(pi.size(), 4u);
  for (std::size_t i = 1; i < pi.size(); ++i) EXPECT_LT(pi[i], pi[i - 1]) << "overcompleteness " << i + 1;
  // π ∝ 1/Ω is a slope of −1 in log-log; a constant π (no effect) would be 0. The quick run
  // (the paper's dynamics: Euler at τ_u 20, learning every step) measured −0.96.
  EXPECT_LT(s["log_log_slope"].get<double>(), -0.7);
  EXPECT_GT(s["log_log_slope"].get<double>(), -1.3);
  // π·K nearly constant: within ±20 % of its mean across a fourfold change of K (the issue's
  // target; measured 11.3-12.7, ±6 %).
  double mean = 0;
  for (double v : piK) mean += v / double(piK.size());
  for (double v : piK) EXPECT_NEAR(v, mean, 0.2 * mean);
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
