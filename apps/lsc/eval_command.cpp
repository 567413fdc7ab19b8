#include "eval_command.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lsc/core/error.hpp"
#include "lsc/io/atomic_file.hpp"
#include "lsc/io/npy.hpp"
#include "lsc/run/model_data.hpp"
#include "lsc/run/run_folder.hpp"
#include "lsc/run/records.hpp"
#include "options.hpp"
#include "plot_script.hpp"
#include "progress.hpp"

namespace lsc::cli {

namespace fs = std::filesystem;
using nlohmann::json;

EvalCommand::EvalCommand(CLI::App& app) {
  CLI::App* eval = app.add_subcommand("eval", "Evaluate a trained model.");
  eval->require_subcommand(1);
  CLI::App* l = eval->add_subcommand(
      "loglik", "log p(x) per data point by annealed importance sampling (AIS), in nats; BDMC bracket on simulated data.");
  l->add_option("--model", model_dir_, "run folder written by 'lsc train'")->required();
  CLI::Option* data = l->add_option(
      "--data", data_, "data .npy of shape (N, D), or images:PATH to cut patches with the model's own preprocessing");
  CLI::Option* simulate = l->add_option("--simulate", simulate_, "simulate N points from the model itself and run BDMC (forward and reverse AIS)");
  data->excludes(simulate);
  l->add_option("--latents", latents_, "exact coefficients (N, K) the data were simulated from: adds the reverse (BDMC) run")
      ->needs(data);
  l->add_option("--patches", patches_, "patches cut from images:PATH (0: " + std::to_string(run::kDefaultPatches) + ")")->capture_default_str();
  add_fields(l, options_, run::loglik_config_fields());
  l->add_option("--out", out_, "per-point log-likelihoods: FILE.json (with the summary) or FILE.csv");
  l->add_flag("--quiet", quiet_, "no progress bar");

  dictionary_ = eval->add_subcommand(
      "dictionary",
      "How Gabor-like and how used a run's dictionary is: a 2-D Gabor fitted to every element (R^2), the used/unused "
      "split of the norms; writes dictionary_quality.json, gabor_fits.csv and plots (docs/evaluation.md).");
  dictionary_->add_option("run", dictionary_run_, "run folder written by 'lsc train'")->required();
  dictionary_->add_option("--out", dictionary_out_, "folder for the outputs (default: the run folder)");
  dictionary_->add_option("--r2", dictionary_config_.r2_threshold, "R^2 from which an element counts as Gabor-like")
      ->capture_default_str();
  dictionary_->add_option("--patch-rows", dictionary_config_.patch_rows,
                          "rows of an element's patch (default: the run's recipe, or sqrt(D))");
  dictionary_->add_option("--patch-cols", dictionary_config_.patch_cols, "columns of an element's patch");
  dictionary_->add_option("--threads", dictionary_config_.threads, "threads (0: all cores)")->capture_default_str();
  dictionary_->add_flag("--json", dictionary_json_, "print the summary as JSON instead of text");
  dictionary_->add_flag("--no-plots", no_plots_, "write only the JSON and CSV files");
}

namespace {

json estimate_json(const AisEstimate& e) {
  const auto vec = [](const Vector& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
  return {{"mean", e.mean}, {"se_points", e.se_points}, {"se_mc", e.se_mc}, {"acceptance", e.acceptance},
          {"log_px", vec(e.log_px)}, {"se", vec(e.se)}, {"ess", vec(e.ess)}};
}

std::string csv(const AisResult& r) {
  const bool bdmc = r.reverse.log_px.size() > 0;
  std::ostringstream out;
  out << std::setprecision(10) << "index,log_px,se,ess" << (bdmc ? ",log_px_reverse,se_reverse,ess_reverse" : "") << '\n';
  for (Index n = 0; n < r.forward.log_px.size(); ++n) {
    out << n << ',' << r.forward.log_px(n) << ',' << r.forward.se(n) << ',' << r.forward.ess(n);
    if (bdmc) out << ',' << r.reverse.log_px(n) << ',' << r.reverse.se(n) << ',' << r.reverse.ess(n);
    out << '\n';
  }
  return out.str();
}

}  // namespace

int EvalCommand::run() { return dictionary_->parsed() ? run_dictionary() : run_loglik(); }

int EvalCommand::run_dictionary() {
  dictionary_config_.run = dictionary_run_;
  dictionary_config_.out = dictionary_out_;
  const run::DictionaryEvalResult r = run::evaluate_dictionary_run(dictionary_config_);
  if (!no_plots_) run_plot_script("plot_dictionary.py", {r.out.string()}, r.out);
  const DictionaryQuality& q = r.quality;
  if (dictionary_json_) {
    nlohmann::json summary = run::dictionary_quality_json(q, false);
    summary["run"] = dictionary_run_;
    summary["out"] = r.out.string();
    std::printf("%s\n", summary.dump(2).c_str());
    return 0;
  }
  const Index K = Index(q.elements.size());
  std::printf("dictionary: %lld elements of %lldx%lld pixels (%s)\n", static_cast<long long>(K),
              static_cast<long long>(q.patch_rows), static_cast<long long>(q.patch_cols), dictionary_run_.c_str());
  if (q.split.bimodal)
    std::printf("used: %lld/%lld; norms bimodal: yes, threshold %.4g (Ashman's D %.2f; median unused %.3g and "
                "largest unused %.3g x the median used norm %.4g)\n",
                static_cast<long long>(q.used), static_cast<long long>(K), q.split.threshold, q.split.ashman_d,
                q.median_unused_to_used_norm, q.unused_to_used_norm, q.median_used_norm);
  else
    std::printf("used: %lld/%lld; norms bimodal: no (two-mode fit: Ashman's D %.2f, modes a factor %.3g apart), "
                "every element counts as used\n",
                static_cast<long long>(q.used), static_cast<long long>(K), q.split.ashman_d, q.split.mode_ratio);
  std::printf("Gabor-like (R^2 >= %.3g): %.1f%% of the used elements; median R^2 of the used %.3f\n", q.r2_threshold,
              100 * q.gabor_fraction, q.median_used_r2);
  std::printf("wrote %s and gabor_fits.csv%s\n", (r.out / "dictionary_quality.json").string().c_str(),
              no_plots_ ? "" : " (plots: gabor_tiling.png, dictionary_norms.png)");
  return 0;
}

int EvalCommand::run_loglik() {
  require(!data_.empty() || simulate_ > 0, "eval loglik needs data: pass --data X.npy, or --simulate N to check AIS on data drawn from the model.");
  std::string format;
  if (!out_.empty()) {
    format = fs::path(out_).extension().string();
    require(format == ".json" || format == ".csv", "--out must name a .json or .csv file (got '" + out_ + "').");
  }
  const Model model = run::load_model(model_dir_);
  const json recipe = run::load_preprocessing(model_dir_);

  Matrix X;
  std::optional<Matrix> S;  // exact latents: BDMC
  std::string source;
  if (simulate_ > 0) {
    SimulatedData d = simulate_data(model, simulate_, options_.seed);
    X = std::move(d.X);
    S = std::move(d.S);
    source = std::to_string(simulate_) + " points simulated from the model";
  } else {
    X = run::open_model_data(data_, recipe, model.D(), patches_, options_.seed);
    source = data_;
  }
  if (!latents_.empty()) S = io::read_npy_rows(latents_);
  ProgressBar bar(S ? "eval loglik (BDMC)" : "eval loglik");
  AisCallbacks cb;
  if (!quiet_) cb.on_progress = [&](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  const run::LoglikResult result = run::evaluate_loglik(model, X, options_, S ? &*S : nullptr, cb);
  const AisResult& r = result.ais;
  if (!quiet_) bar.finish();

  const Index N = X.cols(), D = model.D();
  // One line naming the transform; its numbers (a PCA basis is D×P) stay in model.json.
  std::string whitening = "none recorded in model.json (the data are evaluated as given, in the model's coordinates)";
  if (!recipe.is_null()) {
    const std::string method = recipe.value("whiten", std::string("none"));
    whitening = method;
    if (recipe.contains("patch")) {
      const std::string p = std::to_string(recipe["patch"].get<int>());
      whitening += ", " + p + "x" + p + " patches";
    }
    // The recipe records --keep for every method; only pca and zca use it.
    if ((method == "pca" || method == "zca") && recipe.contains("keep")) {
      char keep[96];
      std::snprintf(keep, sizeof keep, ", keeping %.3g of the components%s", recipe["keep"].get<double>(),
                    recipe.value("keep_by_frequency", false) ? " (lowest frequencies)" : "");
      whitening += keep;
    }
    whitening += "; the fitted transform is model.json's \"preprocessing\"";
  }
  std::printf("log p(x) = %.4f ± %.4f nats per data point (± %.4f Monte Carlo), %.5f nats per dimension; "
              "N %lld, D %lld, K %lld, %s prior, sigma %.6g\n",
              r.forward.mean, r.forward.se_points, r.forward.se_mc, r.forward.mean / Real(D), static_cast<long long>(N),
              static_cast<long long>(D), static_cast<long long>(model.K()), model.prior.name().c_str(), model.sigma);
  std::printf("AIS: %lld chains (+%lld tuning), %llu steps (%s), %d leapfrog steps, acceptance %.3f, final step size %.4g, "
              "%.2f s\n",
              static_cast<long long>(options_.chains), static_cast<long long>(options_.tune_chains),
              static_cast<unsigned long long>(options_.steps), options_.schedule.c_str(), options_.leapfrog, r.forward.acceptance,
              r.step_size.size() ? r.step_size(r.step_size.size() - 1) : 0.0, r.elapsed_s);
  if (S)
    std::printf("BDMC: forward %.4f ± %.4f, reverse %.4f ± %.4f, gap %.4f nats per data point "
                "(log p(x) lies between them in expectation)\n",
                r.forward.mean, r.forward.se_mc, r.reverse.mean, r.reverse.se_mc, r.reverse.mean - r.forward.mean);
  // The Gaussian prior has a closed form (SVAE §5): the check AIS must pass.
  const Vector& exact = result.exact;
  if (exact.size()) {
    std::printf("exact (Gaussian prior, closed form): %.4f nats per data point; AIS - exact %.4f ± %.4f (Monte Carlo)\n",
                exact.mean(), r.forward.mean - exact.mean(), r.forward.se_mc);
  }
  const Real ess = r.forward.ess.mean();
  if (ess < 0.5 * Real(options_.chains))
    std::printf("note: the weights' effective number of chains is %.1f of %lld on average: the annealing is short for "
                "this model, the estimate is likely biased low and its error bars too small; increase --steps\n",
                ess, static_cast<long long>(options_.chains));
  std::printf("data: %s\nwhitening: %s\n", source.c_str(), whitening.c_str());

  if (format == ".json") {
    json j = {{"model", model_dir_},
              {"data", source},
              {"whitening", recipe},
              {"N", N},
              {"D", D},
              {"K", model.K()},
              {"prior", model.prior.name()},
              {"sigma", model.sigma},
              {"nats_per_dimension", r.forward.mean / Real(D)},
              {"options",
               {{"chains", options_.chains},
                {"steps", options_.steps},
                {"leapfrog", options_.leapfrog},
                {"target_accept", options_.target_accept},
                {"schedule", options_.schedule},
                {"tune_chains", options_.tune_chains},
                {"seed", options_.seed}}},
              {"elapsed_s", r.elapsed_s},
              {"forward", estimate_json(r.forward)}};
    if (exact.size()) {
      j["exact"] = {{"mean", exact.mean()}, {"log_px", std::vector<double>(exact.data(), exact.data() + exact.size())}};
    }
    if (S) {
      j["reverse"] = estimate_json(r.reverse);
      j["gap"] = r.reverse.mean - r.forward.mean;
    }
    io::write_file_atomic(out_, j.dump(2) + "\n");
  } else if (format == ".csv") {
    io::write_file_atomic(out_, csv(r));
  }
  return 0;
}

}  // namespace lsc::cli
