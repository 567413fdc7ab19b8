// Every experiment's --quick version runs end to end (numbers, CSVs, plots) and shows its effect,
// checked against thresholds looser than the full versions' targets (docs/results.md) but real:
// each one fails if the effect the figure is about is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/temp_dir.hpp"

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
  for (const char* n : {"fig4a", "fig4b", "fig5", "fig10", "fig6", "fig7", "fig8", "fig9"}) EXPECT_NE(list.find(n), std::string::npos) << n;
  EXPECT_NE(std::system((std::string(LSC_BINARY) + " experiment nope --out " + dir_.string() + " 2>/dev/null").c_str()), 0);
}

}  // namespace
