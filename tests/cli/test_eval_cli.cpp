// End-to-end checks of `lsc eval loglik`: the Gaussian oracle through the command line, the
// per-point outputs (JSON and CSV), the BDMC bracket on simulated data, the whitening statement,
// and one-sentence errors; `lsc eval dictionary` on run folders of synthetic Gabors and faded
// noise (pixels and PCA-whitened), its files, plots and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "../support/cli_test.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/data/whitening.hpp"
#include "lsc/eval/ais.hpp"
#include "lsc/eval/gabor_fit.hpp"
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

// ---- lsc eval dictionary -------------------------------------------------------------------

// 20 Gabors (norms 1 to 1.2, orientations, frequencies, phases and positions varied) and 12 noise
// elements faded to norm 0.01: 8x8 pixels, one element per column.
lsc::Matrix gabors_and_faded_noise() {
  const lsc::Index p = 8, n_gabor = 20, K = 32;
  lsc::Matrix A(p * p, K);
  for (lsc::Index k = 0; k < n_gabor; ++k) {
    lsc::GaborParams g;
    g.x0 = 2.5 + 0.15 * lsc::Real(k % 7);
    g.y0 = 4.5 - 0.1 * lsc::Real(k % 5);
    g.theta = 0.157 * lsc::Real(k);
    g.frequency = 0.15 + 0.01 * lsc::Real(k);
    g.phase = -3 + 0.3 * lsc::Real(k);
    g.sigma_x = std::min(0.45 / g.frequency, 2.4);
    g.sigma_y = 1.3 * g.sigma_x;
    g.amplitude = 1;
    const lsc::Vector v = lsc::gabor_image(g, p, p);
    A.col(k) = (1 + 0.01 * lsc::Real(k)) * v / v.norm();
  }
  for (lsc::Index k = n_gabor; k < K; ++k) {
    lsc::Vector z(p * p);
    lsc::Philox(21).normals(lsc::Purpose::data, 0, std::uint64_t(k), z.data(), p * p);
    A.col(k) = 0.01 * z.normalized();
  }
  return A;
}

bool have_matplotlib() { return std::system("/usr/bin/python3 -c 'import matplotlib' > /dev/null 2>&1") == 0; }

TEST_F(EvalCli, DictionaryOfGaborsAndFadedNoise) {
  const lsc::Matrix A = gabors_and_faded_noise();
  const fs::path run = write_run({A, 0.5, lsc::Prior::make(lsc::PriorKind::l0, 1.0, 0.3)});
  const lsc::test::CliResult r = lsc("eval dictionary " + run.string() + " --threads 1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("dictionary: 32 elements of 8x8 pixels"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("used: 20/32; norms bimodal: yes, threshold"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Gabor-like (R^2 >= 0.7): 100.0% of the used elements; median R^2 of the used 1.000"),
            std::string::npos) << r.out;

  const nlohmann::json j = nlohmann::json::parse(slurp(run / "dictionary_quality.json"));
  EXPECT_EQ(j["K"], 32);
  EXPECT_EQ(j["patch_rows"], 8);
  EXPECT_EQ(j["used"], 20);
  EXPECT_EQ(j["bimodal"], true);
  EXPECT_DOUBLE_EQ(j["gabor_fraction"].get<double>(), 1.0);
  EXPECT_NEAR(j["used_fraction"].get<double>(), 20.0 / 32, 1e-15);
  const double threshold = j["norm_threshold"];
  EXPECT_GT(threshold, 0.01);
  EXPECT_LT(threshold, 1.0);
  EXPECT_NEAR(j["largest_unused_to_median_used_norm"].get<double>(), 0.01 / 1.095, 1e-9);
  ASSERT_EQ(j["elements"].size(), 32u);
  for (int k = 0; k < 32; ++k) {
    const nlohmann::json& e = j["elements"][k];
    EXPECT_NEAR(e["norm"].get<double>(), A.col(k).norm(), 1e-12) << k;
    EXPECT_EQ(e["used"], k < 20) << k;
    if (k < 20) EXPECT_GT(e["r2"].get<double>(), 0.999) << k;
    else EXPECT_LT(e["r2"].get<double>(), 0.7) << k;
  }
  // The CSV: one row per element with the JSON's numbers.
  std::ifstream csv(run / "gabor_fits.csv");
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "index,norm,used,r2,x0,y0,theta,frequency,phase,sigma_x,sigma_y,amplitude");
  int rows = 0;
  while (std::getline(csv, line)) {
    std::vector<double> v;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) v.push_back(std::stod(cell));
    ASSERT_EQ(v.size(), 12u) << line;
    const nlohmann::json& e = j["elements"][rows];
    EXPECT_EQ(v[0], rows);
    EXPECT_EQ(v[2], e["used"].get<bool>() ? 1 : 0);
    EXPECT_NEAR(v[3], e["r2"].get<double>(), 1e-8);
    EXPECT_NEAR(v[6], e["theta"].get<double>(), 1e-8);
    EXPECT_NEAR(v[7], e["frequency"].get<double>(), 1e-8);
    ++rows;
  }
  EXPECT_EQ(rows, 32);
  if (have_matplotlib()) {
    EXPECT_GT(fs::file_size(run / "gabor_tiling.png"), 1000u);
    EXPECT_GT(fs::file_size(run / "dictionary_norms.png"), 1000u);
  }

  // --json and --out: the summary on stdout, the files elsewhere.
  const lsc::test::CliResult js =
      lsc("eval dictionary " + run.string() + " --json --no-plots --r2 0.9 --out " + (dir_ / "q").string());
  ASSERT_EQ(js.status, 0) << js.err;
  const nlohmann::json s = nlohmann::json::parse(js.out);
  EXPECT_EQ(s["used"], 20);
  EXPECT_EQ(s["r2_threshold"], 0.9);
  EXPECT_FALSE(s.contains("elements"));
  EXPECT_TRUE(fs::exists(dir_ / "q" / "dictionary_quality.json"));
  EXPECT_TRUE(fs::exists(dir_ / "q" / "gabor_fits.csv"));
  EXPECT_FALSE(fs::exists(dir_ / "q" / "gabor_tiling.png"));
}

TEST_F(EvalCli, DictionaryWithoutMatplotlibStillWritesTheNumbers) {
  const fs::path run = write_run({gabors_and_faded_noise(), 0.5, lsc::Prior::make(lsc::PriorKind::l0, 1.0, 0.3)});
  // A matplotlib that cannot be imported, ahead of the real one.
  fs::create_directories(dir_ / "fake" / "matplotlib");
  std::ofstream(dir_ / "fake" / "matplotlib" / "__init__.py") << "raise ImportError('no matplotlib here')\n";
  ::setenv("PYTHONPATH", (dir_ / "fake").c_str(), 1);
  const lsc::test::CliResult r = lsc("eval dictionary " + run.string() + " --threads 1");
  ::unsetenv("PYTHONPATH");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("matplotlib is missing"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(run / "dictionary_quality.json"));
  EXPECT_TRUE(fs::exists(run / "gabor_fits.csv"));
  EXPECT_FALSE(fs::exists(run / "gabor_tiling.png"));
}

// A PCA-whitened run: the norms are those of the elements as learned (whitened coordinates), the
// Gabors are fitted to the elements mapped back to pixels.
TEST_F(EvalCli, DictionaryOfAPcaRunIsFittedInPixelSpace) {
  const lsc::Index D = 64, N = 400;
  lsc::Matrix X(D, N);
  lsc::Philox(4).normals(lsc::Purpose::data, 0, 0, X.data(), D * N);
  for (lsc::Index i = 0; i < D; ++i) X.row(i) *= 0.5 + 0.05 * lsc::Real(i);  // anisotropic: W is no rotation
  const lsc::PcaWhitening w = lsc::PcaWhitening::fit(X, lsc::PcaWhitening::Mode::pca, 1.0, false);
  const lsc::Matrix pixels = gabors_and_faded_noise();
  const lsc::Matrix A = w.apply(pixels.colwise() + w.mean);  // W·pixels
  const nlohmann::json recipe = {{"whiten", "pca"}, {"patch", 8}, {"pca", w.to_json()}};
  const fs::path run = write_run({A, 0.5, lsc::Prior::make(lsc::PriorKind::l0, 1.0, 0.3)}, recipe);
  const lsc::test::CliResult r = lsc("eval dictionary " + run.string() + " --threads 1 --no-plots");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(slurp(run / "dictionary_quality.json"));
  EXPECT_EQ(j["used"], 20);
  for (int k = 0; k < 32; ++k) {
    EXPECT_NEAR(j["elements"][k]["norm"].get<double>(), A.col(k).norm(), 1e-9 * A.col(k).norm()) << k;
    if (k < 20) EXPECT_GT(j["elements"][k]["r2"].get<double>(), 0.999) << k;
  }
}

TEST_F(EvalCli, DictionaryErrorsAreOneSentence) {
  expect_one_sentence_error(lsc("eval dictionary " + (dir_ / "missing").string()), "no such run folder");
  // D = 60 is no square and the run records no patch size.
  lsc::Matrix A(60, 4);
  lsc::Philox(2).normals(lsc::Purpose::data, 0, 0, A.data(), 240);
  const fs::path run = write_run({A, 0.5, lsc::Prior::make(lsc::PriorKind::l0, 1.0, 0.3)});
  expect_one_sentence_error(lsc("eval dictionary " + run.string() + " --no-plots"), "--patch-rows");
  expect_one_sentence_error(lsc("eval dictionary " + run.string() + " --no-plots --patch-rows 7 --patch-cols 9"), "60");
  EXPECT_FALSE(fs::exists(run / "dictionary_quality.json"));
  const lsc::test::CliResult ok = lsc("eval dictionary " + run.string() + " --no-plots --patch-rows 6 --patch-cols 10");
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find("of 6x10 pixels"), std::string::npos) << ok.out;
}

}  // namespace
