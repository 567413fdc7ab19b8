// The lsc command: parses options into the services' Configs and calls them. No math here.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "lsc/backend/step_benchmark.hpp"
#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/data/bars.hpp"
#include "lsc/data/patch_dataset.hpp"
#include "lsc/dist/mpi_session.hpp"
#include "lsc/eval/diagnostics.hpp"
#include "lsc/eval/recovery.hpp"
#include "lsc/experiment/experiment.hpp"
#include "lsc/io/atomic_file.hpp"
#include "lsc/io/npy.hpp"
#include "lsc/run/checkpoint.hpp"
#include "lsc/run/run_lock.hpp"
#include "lsc/run/sampler_benchmark.hpp"
#include "lsc/run/infer.hpp"
#include "lsc/run/model_data.hpp"
#include "lsc/run/records.hpp"
#include "lsc/run/run_folder.hpp"
#include "lsc/run/train.hpp"
#include "lsc/run/training_data.hpp"
#include "circuit_command.hpp"
#include "eval_command.hpp"
#include "options.hpp"
#include "plot_script.hpp"
#include "progress.hpp"

namespace fs = std::filesystem;
using namespace lsc;

namespace {

// Ctrl-C asks the training loop to stop at its next metrics row; the run folder (and, with
// --checkpoint-every, a checkpoint) is still written. A row can be minutes away in a long run, so
// a second Ctrl-C abandons the run at once: every file is written atomically, so the previous
// checkpoint and run folder stay whole (and a temporary left behind is removed by the next write).
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_sigint(int) {
  if (g_interrupted) ::_exit(130);
  g_interrupted = 1;
  static const char note[] = "\nlsc: stopping at the next metrics row; press Ctrl-C again to abandon the run now.\n";
  (void)!::write(STDERR_FILENO, note, sizeof note - 1);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : "|") + s;
  return out;
}

// ---- lsc generate bars -------------------------------------------------------------------
struct GenerateArgs {
  std::uint64_t n = 1000;
  BarsOptions bars;
  std::string out, coefficients, dictionary;
};

void add_generate(CLI::App& app, GenerateArgs& a) {
  CLI::App* gen = app.add_subcommand("generate", "Generate a synthetic data set.");
  gen->require_subcommand(1);
  CLI::App* bars = gen->add_subcommand("bars", "Bars data (Fig. 3): 8x8 images, 16 bars, L0 prior, Gaussian noise; writes (N, 64).");
  bars->add_option("--n", a.n, "number of data points")->capture_default_str()->check(CLI::PositiveNumber);
  cli::add_fields(bars, a.bars, run::bars_option_fields());
  bars->add_option("--out", a.out, "output .npy of shape (N, D)")->required();
  bars->add_option("--coefficients", a.coefficients, "also write the true coefficients, shape (N, K)");
  bars->add_option("--dictionary", a.dictionary, "also write the true dictionary, shape (K, D)");
}

int run_generate(const GenerateArgs& a) {
  io::OutputSet outputs;
  io::AtomicFile* out = outputs.add(a.out);
  io::AtomicFile* coefficients = outputs.add(a.coefficients);
  io::AtomicFile* dictionary = outputs.add(a.dictionary);
  const BarsSource source(a.bars);
  Matrix X, S;
  source.generate(0, static_cast<Index>(a.n), X, &S);
  io::write_npy_rows(*out, X);
  if (coefficients) io::write_npy_rows(*coefficients, S);
  if (dictionary) io::write_npy_rows(*dictionary, source.dictionary());
  outputs.commit();
  std::printf("wrote %s: %llu bars images of shape (%llu, %lld)\n", a.out.c_str(),
              static_cast<unsigned long long>(a.n), static_cast<unsigned long long>(a.n),
              static_cast<long long>(X.rows()));
  return 0;
}

// ---- lsc patches -------------------------------------------------------------------------
// Options of natural-image patch data, shared by `patches` and `train --data images:PATH`; each
// command names the path, the count and the seed itself.
void add_patch_options(CLI::App* cmd, PatchDataOptions& p) {
  cli::add_fields(cmd, p, run::patch_data_fields(), {"path", "count", "seed"});
}

struct PatchesArgs {
  PatchDataOptions data;
  std::string out;
};

void add_patches(CLI::App& app, PatchesArgs& a) {
  CLI::App* p = app.add_subcommand("patches", "Sample (whitened) patches from images (folder of PNG/JPEG/TIFF, .mat or .npy stack); writes (N, p^2).");
  p->add_option("path", a.data.path, "folder, .mat, .npy or image file")->required();
  p->add_option("--n", a.data.count, "number of patches")->capture_default_str();
  p->add_option("--seed", a.data.patches.seed, "random seed (positions and split)")->capture_default_str();
  add_patch_options(p, a.data);
  p->add_option("--out", a.out, "output .npy of shape (N, p^2)")->required();
}

int run_patches(const PatchesArgs& a) {
  io::OutputSet outputs;
  io::AtomicFile* out = outputs.add(a.out);
  io::AtomicFile* recipe = outputs.add(a.out + ".json");
  const PatchData d = load_patches(a.data);
  io::write_npy_rows(*out, d.X);
  recipe->write(d.preprocessing.dump(2) + "\n");
  outputs.commit();
  std::printf("wrote %s: %lld patches of %dx%d (dimension %lld) from %s (%s whitening); preprocessing in %s.json\n",
              a.out.c_str(), static_cast<long long>(d.X.cols()), a.data.patches.size, a.data.patches.size,
              static_cast<long long>(d.X.rows()), a.data.path.c_str(), a.data.whiten.c_str(), a.out.c_str());
  return 0;
}

// ---- lsc train ---------------------------------------------------------------------------
struct TrainArgs {
  run::TrainConfig config;
  std::string data = "bars", out, init_dictionary;
  run::TrainingDataOptions data_options;
  bool quiet = false, resume = false;
};

void add_train(CLI::App& app, TrainArgs& a) {
  CLI::App* t = app.add_subcommand("train", "Learn a dictionary (and optionally pi, sigma, lambda); writes a run folder.");
  t->add_option("--data", a.data, "'bars' (generated afresh), an .npy file of shape (N, D), or images:PATH (folder, .mat, .npy stack)")
      ->capture_default_str();
  cli::add_fields(t, a.config, run::train_config_fields());
  // The generated bars' own parameters (their seed is the run's).
  cli::add_fields(t, a.data_options.bars, run::bars_option_fields(), {"size", "seed"}, "bars-");
  t->add_option("--patches", a.data_options.images.count, "patches sampled from images:PATH")->capture_default_str();
  add_patch_options(t, a.data_options.images);
  t->add_flag("--resume", a.resume, "continue bit-exactly from RUN_DIR/checkpoint.bin (same options; --steps may grow)");
  t->add_option("--init-dictionary", a.init_dictionary, "start from this dictionary, shape (K, D)");
  t->add_flag("--quiet", a.quiet, "no progress bar");
  t->add_option("--out", a.out, "run folder to write")->required();
}

// Under mpirun each rank runs this; the ranks share every batch (run::train), and rank 0 alone
// prints and writes the run folder and the checkpoints.
int run_train(TrainArgs& a, const std::shared_ptr<dist::Communicator>& ranks) {
  run::TrainConfig& c = a.config;
  const bool root = ranks->rank() == 0;
  if (!root) a.quiet = true;
  if (ranks->size() > 1 && c.threads == 0) {
    // The machine's cores shared among the ranks on it (Open MPI says how many).
    const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    c.threads = std::max(1, lsc::threads() / std::max(1, local ? std::atoi(local) : 1));
  }
  a.data_options.seed = c.seed;
  run::TrainingData data = run::open_training_data(a.data, a.data_options);
  if (!a.init_dictionary.empty()) c.initial_dictionary = io::read_npy_rows(a.init_dictionary);
  // Fail on a bad configuration before any work or output.
  c = run::resolve_defaults(c, data.source->dim());

  // One writer per run folder: a second lsc training into the same --out is refused here.
  std::optional<run::RunFolderLock> lock;
  if (root) lock.emplace(a.out);
  std::optional<run::TrainCheckpoint> resume;
  const fs::path checkpoint_file = fs::path(a.out) / "checkpoint.bin";
  if (a.resume) resume = run::load_checkpoint(checkpoint_file, c);

  cli::ProgressBar bar("train " + c.method);
  run::TrainCallbacks cb;
  std::signal(SIGINT, on_sigint);
  // Every rank stops at the same row: a Ctrl-C seen by any of them counts.
  cb.should_stop = [&] {
    double stop = g_interrupted != 0;
    ranks->allreduce_sum(&stop, 1);
    return stop > 0;
  };
  if (c.checkpoint_every > 0)  // on every rank: the checkpoint gathers the chains of all
    cb.on_checkpoint = [&](const run::TrainCheckpoint& ck) {
      if (!root) return;
      fs::create_directories(a.out);
      run::save_checkpoint(checkpoint_file, ck, c);
    };
  if (!a.quiet)
    cb.on_metrics = [&](const run::MetricsRow& r, std::uint64_t total) {
      char detail[160];
      if (c.method == "svae")
        std::snprintf(detail, sizeof detail, "elbo %.3f err %.4f |A| %.3f", r.elbo, r.reconstruction_error, r.mean_norm);
      else
        std::snprintf(detail, sizeof detail, "err %.4f active %.3f pi %.3f |A| %.3f", r.reconstruction_error,
                      r.active_fraction, r.pi, r.mean_norm);
      bar.update(r.step, total, detail);
    };
  const run::TrainResult result = run::train(c, *data.source, cb, resume ? &*resume : nullptr, ranks);
  if (!a.quiet) bar.finish();
  if (!root) return result.stopped_early ? 130 : 0;
  const run::RunInfo info{a.data, data.preprocessing, data.truth};
  const run::RunSummary summary = run::run_summary(result, data.truth ? &*data.truth : nullptr, data.preprocessing);
  run::save_run(a.out, result, info, &summary);

  const Model& m = result.model;
  const run::MetricsRow last = result.metrics.empty() ? run::MetricsRow{} : result.metrics.back();
  std::printf("method %s, prior %s, K %lld, D %lld: %llu steps in %.1f s%s\n", c.method.c_str(),
              m.prior.name().c_str(), static_cast<long long>(m.K()), static_cast<long long>(m.D()),
              static_cast<unsigned long long>(last.step), result.elapsed_s,
              ranks->size() > 1 ? (" on " + std::to_string(ranks->size()) + " ranks").c_str() : "");
  std::printf("final: pi %.4f, lambda %.4f, sigma %.4f, mean |A_k| %.4f, reconstruction error %.4f, active %.4f\n",
              m.prior.pi, m.prior.lambda, m.sigma, last.mean_norm, last.reconstruction_error, last.active_fraction);
  if (summary.elbo) std::printf("ELBO (mean over the last metrics window, nats per data point) %.4f\n", *summary.elbo);
  if (c.sampler == "mala")
    std::printf("MALA acceptance %.3f, final tau_u %.1f%s\n", result.acceptance, last.tau_u,
                result.acceptance < 0.2 ? " (low: the chains barely move; increase --tau-u or --target-accept)" : "");
  if (summary.bars_recovered) {
    const std::vector<Real>& best = summary.bars_best_abs_cosine;
    const Real worst = best.empty() ? 0 : *std::min_element(best.begin(), best.end());
    std::printf("bars recovered (best |cosine| >= 0.95): %lld of %zu, worst best |cosine| %.4f\n",
                static_cast<long long>(*summary.bars_recovered), best.size(), worst);
  }
  std::printf("run folder: %s (dictionary.npy, dictionary.png, model.json, metrics.csv, summary.json%s)\n",
              a.out.c_str(), result.svae ? ", encoder/" : "");
  if (result.stopped_early) {
    std::printf("interrupted at step %llu of %llu%s\n", static_cast<unsigned long long>(last.step),
                static_cast<unsigned long long>(c.steps),
                c.checkpoint_every > 0 ? "; continue with the same command and --resume" : "");
    return 130;
  }
  return 0;
}

// ---- lsc infer ---------------------------------------------------------------------------
struct InferArgs {
  run::InferConfig config;
  // With --dictionary, the model's prior and parameters default to lsc train's initial ones.
  run::TrainConfig model_defaults = run::resolve_defaults(run::TrainConfig{}, 1);
  std::string model_dir, dictionary, prior = Prior{*model_defaults.prior}.name(), data, out_mean, out_active,
                                     out_samples, out_diagnostics;
  Index patches = 0;
  Real pi = model_defaults.pi, lambda = model_defaults.lambda, sigma = model_defaults.sigma;
  bool quiet = false;
};

void add_infer(CLI::App& app, InferArgs& a) {
  CLI::App* t = app.add_subcommand("infer", "Posterior mean and P(s != 0) of the coefficients under a fixed dictionary.");
  CLI::Option* model = t->add_option("--model", a.model_dir, "run folder written by 'lsc train'");
  CLI::Option* dict = t->add_option("--dictionary", a.dictionary, "dictionary .npy of shape (K, D)");
  model->excludes(dict);
  t->add_option("--prior", a.prior, "prior with --dictionary: " + join(Prior::names()))->capture_default_str()
      ->check(CLI::IsMember(Prior::names()));
  t->add_option("--pi", a.pi, "pi with --dictionary")->capture_default_str();
  t->add_option("--lambda", a.lambda, "lambda with --dictionary")->capture_default_str();
  t->add_option("--sigma", a.sigma, "sigma with --dictionary")->capture_default_str();
  t->add_option("--data", a.data, "data .npy of shape (N, D), or images:PATH to cut patches with the model's own preprocessing")
      ->required();
  t->add_option("--patches", a.patches, "patches cut from images:PATH (0: " + std::to_string(run::kDefaultPatches) + ")")
      ->capture_default_str();
  // keep_samples follows from --out-samples.
  cli::add_fields(t, a.config, run::infer_config_fields(), {"keep_samples"});
  t->add_option("--out-mean", a.out_mean, "posterior mean of s, shape (N, K)");
  t->add_option("--out-active", a.out_active, "posterior P(s != 0), shape (N, K)");
  t->add_option("--out-samples", a.out_samples, "samples of chain 0 of each point, shape (T, N, K)");
  t->add_option("--out-diagnostics", a.out_diagnostics,
                "CSV of R-hat, ESS and MCSE per coefficient of the first --diagnose-points points");
  t->add_flag("--quiet", a.quiet, "no progress bar");
}

// One row per coefficient of each diagnosed point: s_k's diagnostics, then its activity's (whose
// mean is P(s_k != 0) and mcse that mean's Monte Carlo error).
std::string diagnostics_csv(const run::InferResult& r, Index K) {
  std::ostringstream out;
  out << "point,k,mean,sd,rhat,ess_bulk,ess_tail,mcse_mean,p_active,rhat_active,ess_bulk_active,ess_tail_active,"
         "mcse_active\n";
  char row[512];
  for (std::size_t q = 0; q < r.diagnostics.size(); ++q) {
    const Diagnostics& s = r.diagnostics[q];
    const Diagnostics& a = r.diagnostics_active[q];
    std::snprintf(row, sizeof row, "%lld,%lld,%.9g,%.9g,%.6f,%.1f,%.1f,%.6g,%.9g,%.6f,%.1f,%.1f,%.6g\n",
                  static_cast<long long>(Index(q) / K), static_cast<long long>(Index(q) % K), s.mean, s.sd, s.rhat,
                  s.ess_bulk, s.ess_tail, s.mcse_mean, a.mean, a.rhat, a.ess_bulk, a.ess_tail, a.mcse_mean);
    out << row;
  }
  return out.str();
}

// The worst R-hat and smallest ESS over the diagnosed coefficients, and one warning line each for
// s and its activity when they fail Stan's thresholds (R-hat > 1.01, ESS < 100 per chain).
void report_convergence(const run::InferResult& r, Index K, Index chains) {
  const ConvergenceSummary s = summarize(r.diagnostics, chains), a = summarize(r.diagnostics_active, chains);
  std::printf("convergence over %lld points x %lld coefficients, %lld chains: R-hat max %.4f (activity %.4f), "
              "bulk-ESS min %.0f (activity %.0f), tail-ESS min %.0f\n",
              static_cast<long long>(r.diagnosed_points), static_cast<long long>(K), static_cast<long long>(chains),
              s.worst_rhat, a.worst_rhat, s.min_ess_bulk, a.min_ess_bulk, s.min_ess_tail);
  for (const std::string& warning :
       run::convergence_warnings(r, K, chains, "run more --samples or a longer --burn-in"))
    std::fprintf(stderr, "lsc: warning: %s\n", warning.c_str());
}

int run_infer(InferArgs& a) {
  require(!a.model_dir.empty() || !a.dictionary.empty(), "infer needs a model: pass --model RUN_DIR or --dictionary A.npy.");
  Model model;
  if (!a.model_dir.empty()) {
    model = run::load_model(a.model_dir);
  } else {
    model.A = io::read_npy_rows(a.dictionary);  // (K, D) rows are the elements: A is D×K
    model.prior = Prior::make(Prior::kind_from_name(a.prior), a.lambda, a.pi);
    model.sigma = a.sigma;
  }
  const nlohmann::json recipe = a.model_dir.empty() ? nlohmann::json() : run::load_preprocessing(a.model_dir);
  const Matrix X = run::open_model_data(a.data, recipe, model.D(), a.patches, a.config.seed);
  a.config.keep_samples = !a.out_samples.empty();
  io::OutputSet outputs;
  io::AtomicFile* out_mean = outputs.add(a.out_mean);
  io::AtomicFile* out_active = outputs.add(a.out_active);
  io::AtomicFile* out_samples = outputs.add(a.out_samples);
  io::AtomicFile* out_diagnostics = outputs.add(a.out_diagnostics);
  require(!out_diagnostics || a.config.diagnose_points > 0,
          "--out-diagnostics needs --diagnose-points of at least 1.");
  cli::ProgressBar bar("infer " + a.config.method);
  run::InferCallbacks cb;
  if (!a.quiet) cb.on_progress = [&](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  const run::InferResult r = run::infer(model, X, a.config, cb);
  if (!a.quiet) bar.finish();
  if (out_mean) io::write_npy_rows(*out_mean, r.mean);
  if (out_active) io::write_npy_rows(*out_active, r.active);
  if (out_samples) {
    const auto T = r.samples.size();
    std::vector<double> flat;
    flat.reserve(T * static_cast<std::size_t>(r.mean.size()));
    for (const Matrix& s : r.samples) flat.insert(flat.end(), s.data(), s.data() + s.size());
    io::write_npy(*out_samples, flat.data(), {T, static_cast<std::size_t>(X.cols()), static_cast<std::size_t>(model.K())});
  }
  if (out_diagnostics) out_diagnostics->write(diagnostics_csv(r, model.K()));
  outputs.commit();
  std::printf("%s on %lld points (K %lld) in %.2f s", a.config.method.c_str(), static_cast<long long>(X.cols()),
              static_cast<long long>(model.K()), r.elapsed_s);
  if (r.stiffness > 0)
    std::printf("; tau_u %.1f, stiffness eps*L %.3f%s", r.tau_u, r.stiffness,
                run::default_target_accept(a.config.method) > 0 ? (", acceptance " + std::to_string(r.acceptance)).c_str() : "");
  std::printf("\nmean fraction active %.4f\n", r.active.mean());
  if (r.diagnosed_points > 0) report_convergence(r, model.K(), a.config.chains);
  return 0;
}

// ---- lsc experiment ----------------------------------------------------------------------
struct ExperimentArgs {
  std::string name, out;
  bool quick = false, list = false;
  int threads = 0;
  std::string images;
  bool dead_zone_jumps = false;
};

void add_experiment(CLI::App& app, ExperimentArgs& a) {
  CLI::App* e = app.add_subcommand("experiment", "Reproduce a figure of the paper: summary.json, CSV data and PNG plots in --out.");
  e->add_option("name", a.name, "experiment name (see --list)");
  e->add_option("--out", a.out, "output folder");
  e->add_flag("--quick", a.quick, "reduced version (under two minutes on 2 cores) that still shows the effect");
  e->add_flag("--list", a.list, "list the experiments");
  e->add_option("--threads", a.threads, "threads (0: all cores)")->capture_default_str();
  e->add_flag("--dead-zone-jumps", a.dead_zone_jumps, "fig8/fig9: L0 dead-zone jumps in the sampler (not in the paper's dynamics)");
  e->add_option("--images", a.images, "images for fig8, fig9 and table1 (default: $LSC_IMAGES, else ../shared/data/bsds300/images/train; table1 also reads its sibling test folder)");
}

int run_experiment(const ExperimentArgs& a) {
  if (a.list) {
    for (const experiment::Experiment& e : experiment::registry())
      std::printf("%-6s  %s\n", e.name.c_str(), e.description.c_str());
    return 0;
  }
  require(!a.name.empty() && !a.out.empty(), "experiment needs a name and --out DIR, e.g. 'lsc experiment fig4b --out results/fig4b'; see --list.");
  experiment::Options o;
  o.out = a.out;
  o.quick = a.quick;
  o.threads = a.threads;
  o.images = a.images;
  o.dead_zone_jumps = a.dead_zone_jumps;
  std::unique_ptr<cli::ProgressBar> bar;
  o.log = [&](const std::string& line) {
    if (bar) bar->finish();
    bar.reset();
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  o.progress = [&](std::uint64_t done, std::uint64_t total, const std::string& detail) {
    if (!bar) bar = std::make_unique<cli::ProgressBar>(a.name);
    bar->update(done, total, detail);
  };
  const nlohmann::json summary = experiment::run(a.name, o);
  if (bar) bar->finish();
  std::fprintf(stderr, "%s: plotting\n", a.name.c_str());
  cli::run_plot_script("plot_experiment.py", {a.name, o.out.string()}, o.out);
  std::printf("%s\n", summary.dump(2).c_str());
  return 0;
}

// ---- lsc bench ---------------------------------------------------------------------------
struct SamplerBenchArgs {
  run::SamplerBenchOptions options;
  std::string problem = "all", model_dir, data, out, samplers;
  Index points = 16, K = 16, patches = 0;
  Real condition = 100;
  CLI::App* command = nullptr;
};

struct BenchArgs {
  StepBenchmarkOptions options;
  std::string dtype = "float32", backend = "cpu", reduction = "ordered";
  SamplerBenchArgs sampler;
};

void add_bench(CLI::App& app, BenchArgs& a) {
  CLI::App* b = app.add_subcommand("bench", "Measure lsc's speed on this machine (docs/benchmarks.md).");
  b->require_subcommand(1);
  CLI::App* s = b->add_subcommand(
      "step", "The fused L0-LSC learning step and its three matrix products alone, on fixed random data; prints one JSON line.");
  s->add_option("--D", a.options.D, "data dimension")->capture_default_str();
  s->add_option("--K", a.options.K, "dictionary elements")->capture_default_str();
  s->add_option("--N", a.options.N, "chains (batch size)")->capture_default_str();
  s->add_option("--dtype", a.dtype, "float32 or float64")->capture_default_str();
  s->add_option("--backend", a.backend, "cpu or cuda")->capture_default_str();
  s->add_option("--seconds", a.options.seconds, "seconds per measurement")->capture_default_str();
  s->add_option("--threads", a.options.threads, "threads (0: all cores)")->capture_default_str();
  s->add_flag("--tf32", a.options.tf32, "cuda float32: TF32 tensor-core products");
  s->add_option("--reduction", a.reduction, "under mpirun: ordered or allreduce (docs/mpi.md)")
      ->capture_default_str()->check(CLI::IsMember({"ordered", "allreduce"}));
  SamplerBenchArgs& p = a.sampler;
  CLI::App* m = b->add_subcommand(
      "sampler",
      "The samplers of lsc infer by effective sample size per gradient evaluation and per second, on the K = 2 "
      "quadrature case, an ill-conditioned Gaussian and (with --model) natural-image patches; prints a table.");
  p.command = m;
  m->add_option("--problem", p.problem, "all, quadrature, gaussian or images (images: needs --model)")
      ->capture_default_str()->check(CLI::IsMember({"all", "quadrature", "gaussian", "images"}));
  m->add_option("--model", p.model_dir, "run folder of 'lsc train' on images (e.g. K 256): the images problem");
  m->add_option("--data", p.data, "images:PATH the patches come from (default: the model's own training data)");
  m->add_option("--patches", p.patches, "images: patches cut (default: --points)");
  m->add_option("--points", p.points, "data points per problem")->capture_default_str();
  m->add_option("--K", p.K, "gaussian: coefficients (= D)")->capture_default_str();
  m->add_option("--condition", p.condition, "gaussian: condition number of the posterior precision")->capture_default_str();
  m->add_option("--samplers", p.samplers, "comma-separated labels, e.g. euler,ghmc+jumps (default: all)");
  m->add_option("--chains", p.options.chains, "chains per data point")->capture_default_str();
  m->add_option("--samples", p.options.samples, "recorded steps per chain")->capture_default_str();
  m->add_option("--burn-in", p.options.burn_in, "steps discarded first")->capture_default_str();
  m->add_option("--threads", p.options.threads, "threads (0: all cores)")->capture_default_str();
  m->add_option("--seed", p.options.seed, "random seed")->capture_default_str();
  m->add_option("--out", p.out, "CSV of every row (docs/benchmarks.md, \"Samplers\")");
}

int run_bench_sampler(SamplerBenchArgs& a) {
  require(a.points >= 1, "--points must be at least 1.");
  require(a.problem != "images" || !a.model_dir.empty(),
          "--problem images needs a model trained on images: pass --model RUN_DIR (lsc train --data images:PATH --K 256).");
  io::OutputSet outputs;
  io::AtomicFile* out = outputs.add(a.out);
  std::vector<run::SamplerProblem> problems;
  if (a.problem == "all" || a.problem == "quadrature") problems.push_back(run::quadrature_problem(a.points));
  if (a.problem == "all" || a.problem == "gaussian")
    problems.push_back(run::gaussian_problem(a.K, a.condition, a.points, a.options.seed));
  if ((a.problem == "all" || a.problem == "images") && !a.model_dir.empty()) {
    Model model = run::load_model(a.model_dir);
    const nlohmann::json recipe = run::load_preprocessing(a.model_dir);
    std::string data = a.data;
    if (data.empty() && recipe.is_object()) data = "images:" + recipe.value("source", std::string());
    require(data.rfind("images:", 0) == 0,
            "the images problem needs patches: pass --data images:PATH (the model was not trained on images).");
    const Index K = model.K();
    Matrix X = run::open_model_data(data, recipe, model.D(), a.patches > 0 ? a.patches : a.points, a.options.seed);
    problems.push_back(run::model_problem("images K=" + std::to_string(K), std::move(model), std::move(X)));
  }
  std::vector<std::string> wanted;
  for (std::stringstream list(a.samplers); list.good();) {
    std::string label;
    std::getline(list, label, ',');
    if (!label.empty()) wanted.push_back(label);
  }
  std::vector<run::SamplerBenchRow> rows;
  for (const run::SamplerProblem& problem : problems) {
    std::vector<run::SamplerVariant> variants = run::sampler_variants(problem.model.prior.kind == PriorKind::l0);
    if (!wanted.empty()) {
      std::vector<std::string> labels;
      for (const auto& v : variants) labels.push_back(v.label);
      for (const std::string& w : wanted)
        require(std::find(labels.begin(), labels.end(), w) != labels.end(),
                "unknown sampler '" + w + "' for " + problem.name + "; choose among " + either_of(labels) + ".");
      std::erase_if(variants, [&](const run::SamplerVariant& v) {
        return std::find(wanted.begin(), wanted.end(), v.label) == wanted.end();
      });
    }
    const auto problem_rows = run::benchmark_samplers(problem, variants, a.options, [&](const std::string& label) {
      std::fprintf(stderr, "bench sampler: %s, %s\n", problem.name.c_str(), label.c_str());
    });
    rows.insert(rows.end(), problem_rows.begin(), problem_rows.end());
  }
  if (out) out->write(run::sampler_bench_csv(rows));
  outputs.commit();
  std::printf("%-16s %-13s %10s %10s %9s %9s %8s %7s %6s %6s\n", "problem", "sampler", "ESS/kgrad", "act/kgrad",
              "ESS/s", "act ESS/s", "Rhat max", "bias z", "accept", "x eul");
  for (const run::SamplerBenchRow& r : rows) {
    Real euler = 0;
    for (const run::SamplerBenchRow& e : rows)
      if (e.problem == r.problem && e.sampler == "euler")
        euler = std::isnan(r.ess_active) ? e.ess_per_gradient : e.ess_active_per_gradient;
    const Real ratio = (std::isnan(r.ess_active) ? r.ess_per_gradient : r.ess_active_per_gradient) / euler;
    std::printf("%-16s %-13s %10.2f %10.2f %9.0f %9.0f %8.3f %7.2f %6.3f %6.1f\n", r.problem.c_str(), r.sampler.c_str(),
                1e3 * r.ess_per_gradient, 1e3 * r.ess_active_per_gradient, r.ess_per_second, r.ess_active_per_second,
                r.rhat_max, r.bias_z, r.acceptance, euler > 0 ? ratio : run::SamplerBenchRow::nan);
  }
  std::printf("ESS/kgrad: median bulk-ESS per 1000 gradient evaluations of one point's chains (act: of 1[s != 0]); "
              "x eul: per-gradient ESS of the activity (of s without one) over Euler-Maruyama's\n");
  return 0;
}

// Under mpirun every rank steps its share of the N chains; rank 0 prints.
int run_bench(BenchArgs& a, const std::shared_ptr<dist::Communicator>& ranks) {
  if (a.sampler.command->parsed()) {
    require(ranks->size() == 1, "lsc bench sampler runs in one process; start it without mpirun.");
    return run_bench_sampler(a.sampler);
  }
  a.options.dtype = dtype_from_name(a.dtype);
  a.options.backend = backend_from_name(a.backend);
  a.options.ranks = ranks;
  a.options.ordered_reduction = a.reduction == "ordered";
  const StepBenchmarkResult r = benchmark_step(a.options);
  if (ranks->rank() != 0) return 0;
  const nlohmann::json j = {{"steps_per_s", r.steps_per_s},
                            {"products_steps_per_s", r.products_steps_per_s},
                            {"ratio", r.steps_per_s / r.products_steps_per_s},
                            {"gflops", r.steps_per_s * r.flops_per_step * 1e-9},
                            {"products_gflops", r.products_steps_per_s * r.flops_per_step * 1e-9},
                            {"D", a.options.D}, {"K", a.options.K}, {"N", a.options.N},
                            {"dtype", a.dtype}, {"backend", a.backend}, {"engine", r.engine},
                            {"ranks", ranks->size()}, {"reduction", ranks->size() > 1 ? a.reduction : "none"},
                            {"communication_ms_per_step", 1e3 * r.communication_s_per_step}};
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

// One sentence on stderr. Under mpirun every rank that fails reports; a rank other than 0 waits a
// moment first, since an error common to all ranks (a bad option) is then reported by rank 0
// alone, whose end ends the job. Then the whole job ends, not only this rank.
int fail(const dist::MpiSession* mpi, const char* kind, const char* what, int code) {
  const std::shared_ptr<dist::Communicator> ranks = mpi ? mpi->world() : nullptr;
  if (!ranks || ranks->size() == 1) {
    std::fprintf(stderr, "lsc: %s: %s\n", kind, what);
    return code;
  }
  if (ranks->rank() != 0) std::this_thread::sleep_for(std::chrono::seconds(2));
  std::fprintf(stderr, "lsc: %s on rank %d of %d: %s\n", kind, ranks->rank(), ranks->size(), what);
  std::fflush(stderr);
  mpi->abort(code);
}

// Counts are unsigned, and CLI11 would wrap "-1" to 2^64 − 1: a run that never ends. The integer
// options (threads, iterations, sizes) have no negative meaning either.
void refuse_negative_counts(CLI::App* app) {
  static const CLI::Validator non_negative(
      [](const std::string& v) { return !v.empty() && v[0] == '-' ? std::string("a count cannot be negative") : std::string(); },
      "");
  for (CLI::Option* o : app->get_options())
    if (o->get_type_name() == "UINT" || o->get_type_name() == "INT") o->check(non_negative);
  for (CLI::App* sub : app->get_subcommands({})) refuse_negative_counts(sub);
}

// A parse error as the error contract has it: one sentence, exit 2 (CLI11's own codes are
// 101-120 and its message two lines).
int parse_failure(const CLI::App& app, const CLI::ParseError& e, dist::MpiSession& mpi) {
  std::string what = e.what();
  while (!what.empty() && (what.back() == '\n' || what.back() == '.' || what.back() == ' ')) what.pop_back();
  std::replace(what.begin(), what.end(), '\n', ' ');
  std::string command = "lsc";
  for (const CLI::App* sub : app.get_subcommands()) command += " " + sub->get_name();
  return fail(&mpi, "error", (what + "; see '" + command + " --help' for the options.").c_str(), 2);
}

}  // namespace

int main(int argc, char** argv) {
  // Under mpirun this process is one rank of the job; otherwise it runs alone.
  std::optional<dist::MpiSession> mpi;
  try {
    mpi.emplace(argc, argv);
  } catch (const Error& e) {
    return fail(nullptr, "error", e.what(), 2);
  }
  // Past a file-size limit (ulimit -f) a write fails with EFBIG and is reported like a full disk,
  // instead of SIGXFSZ killing the process mid-write.
  std::signal(SIGXFSZ, SIG_IGN);
  const std::shared_ptr<dist::Communicator> ranks = mpi->world();
  CLI::App app{"lsc: Langevin sparse coding — sample the posterior of sparse codes and learn the dictionary and prior."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("lsc ") + LSC_VERSION);
  GenerateArgs gen;
  TrainArgs train;
  InferArgs infer;
  add_generate(app, gen);
  add_train(app, train);
  add_infer(app, infer);
  PatchesArgs patches;
  add_patches(app, patches);
  ExperimentArgs experiment_args;
  add_experiment(app, experiment_args);
  cli::EvalCommand eval_command(app);
  cli::CircuitCommand circuit_command(app);
  BenchArgs bench;
  add_bench(app, bench);
  refuse_negative_counts(&app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) return parse_failure(app, e, *mpi);
    return ranks->rank() == 0 ? app.exit(e) : 0;  // --help, --version
  }
  try {
    if (ranks->size() > 1)
      require(app.got_subcommand("train") || app.got_subcommand("bench"),
              "under mpirun lsc runs 'train' and 'bench step' across the ranks; run the other commands as one process.");
    if (app.got_subcommand("generate")) return run_generate(gen);
    if (app.got_subcommand("train")) return run_train(train, ranks);
    if (app.got_subcommand("infer")) return run_infer(infer);
    if (app.got_subcommand("patches")) return run_patches(patches);
    if (app.got_subcommand("experiment")) return run_experiment(experiment_args);
    if (app.got_subcommand("eval")) return eval_command.run();
    if (app.got_subcommand("circuit")) return circuit_command.run();
    if (app.got_subcommand("bench")) return run_bench(bench, ranks);
  } catch (const Error& e) {
    return fail(&*mpi, "error", e.what(), 2);
  } catch (const fs::filesystem_error& e) {  // a path that is a file where a folder must be, say
    return fail(&*mpi, "error", (e.path1().string() + ": " + e.code().message() + "; check the paths given.").c_str(), 2);
  } catch (const std::bad_alloc&) {
    return fail(&*mpi, "error",
                "this machine has not enough memory for the sizes asked for; use a smaller --K, --batch, --chains, "
                "--n or --patches.",
                2);
  } catch (const std::exception& e) {
    return fail(&*mpi, "internal error", e.what(), 3);
  }
  return 1;
}
