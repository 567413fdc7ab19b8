#include "lsc/run/records.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <sstream>

#include "lsc/core/error.hpp"
#include "lsc/prior/prior.hpp"
#include "lsc/run/methods.hpp"
#include "lsc/sampler/samplers.hpp"

namespace lsc::run {

const Fields<TrainConfig>& train_config_fields() {
  using C = TrainConfig;
  static const Fields<TrainConfig> fields = {
      {"method", &C::method, "learning method: " + either_of(train_methods()), train_methods()},
      {"prior",
       TextField<C>{[](const C& c) { return c.prior ? Prior{*c.prior}.name() : std::string(); },
                    [](C& c, const std::string& v) {
                      if (v.empty())
                        c.prior.reset();
                      else
                        c.prior = Prior::kind_from_name(v);
                    }},
       "prior: " + either_of(Prior::names()) + " (default l0 for lsc, cauchy for svae, l1 otherwise)", Prior::names()},
      {"K", &C::K, "number of dictionary elements"},
      {"pi", &C::pi, "(initial) activation probability π"},
      {"lambda", &C::lambda, "(initial) prior rate λ"},
      {"sigma", &C::sigma, "(initial) noise σ (default 0.5, e^-1 for svae)", {}, zero_is_unset},
      {"learn_pi", &C::learn_pi, "learn the activation probability π (eq. 3.13; l0 prior)"},
      {"learn_sigma", &C::learn_sigma, "learn the noise σ (eq. 2.9)"},
      {"learn_lambda", &C::learn_lambda, "learn the prior rate λ (eq. 2.10)"},
      {"steps", &C::steps, "dictionary updates (default: per method, docs/parameters.md)", {}, zero_is_unset},
      {"batch", &C::batch, "data points (= chains) per batch (default: per method)", {}, zero_is_unset},
      {"tau_u", &C::tau_u, "coefficient time constant in steps, ε = 1/τ_u (default: from the initial stiffness)", {}, zero_is_unset},
      {"tau_A", &C::tau_A, "dictionary time constant in steps, on batch means (default: per method)", {}, zero_is_unset},
      {"tau_x", &C::tau_x, "steps each batch is held (lsc, ssc; default: per method)", {}, zero_is_unset},
      {"hold_burn_in", &C::hold_burn_in,
       "steps after each batch switch in which the chains re-equilibrate and nothing is learned "
       "(lsc; unset: 0 for euler, τ_x/2 for mala)"},
      {"tau_u0", &C::tau_u0, "time constant of u0 (π) learning (default 3000)", {}, zero_is_unset},
      {"tau_sigma", &C::tau_sigma, "time constant of σ learning (default 3000)", {}, zero_is_unset},
      {"tau_lambda", &C::tau_lambda, "time constant of λ learning (default 3000)", {}, zero_is_unset},
      {"inner_steps", &C::inner_steps, "MAP iterations per batch (dsc, lca; default 100, lca 200)", {}, zero_is_unset},
      {"sampler", &C::sampler, "lsc coefficient steps: " + either_of(sampler_names()) + " (default euler)"},
      {"dtype", &C::dtype, "the engine's precision for lsc and ssc: float32 (default) or float64", {"float32", "float64"}},
      {"backend", &C::backend,
       "the engine's device for lsc and ssc: cpu (default) or cuda (a build with CUDA and a GPU; "
       "Euler-Maruyama only so far)",
       {"cpu", "cuda"}},
      {"target_accept", &C::target_accept,
       "mala: adapt ε toward this acceptance during each hold burn-in, never above 1/τ_u (unset: 0.574; 0: off)"},
      {"lr", &C::lr, "svae: Adam's learning rate (default 1e-4)", {}, zero_is_unset},
      {"dead_zone_jumps", &C::dead_zone_jumps,
       "l0: exact Metropolis jumps u <-> u ± u0 across the dead zone, so that inactive coefficients the data "
       "want activate without waiting for diffusion"},
      {"temperature", &C::temperature, "temperature T of the Langevin noise"},
      {"normalize", &C::normalize, "unit-norm dictionary columns after each update (unset: all methods but lsc)"},
      {"var_goal", &C::var_goal,
       "dsc, lca: Olshausen & Field's gain control, column norms adapt until each coefficient's variance is "
       "this, instead of unit norms (0: unit norms)"},
      {"init_scale", &C::init_scale,
       "lsc: random start with columns of norm init_scale × the data's RMS per feature (default 0.1)", {},
       zero_is_unset},
      {"seed", &C::seed, "random seed"},
      {"metrics_every", &C::metrics_every, "steps per metrics.csv row (default: about 200 rows)", {}, execution_field | zero_is_unset},
      {"checkpoint_every", &C::checkpoint_every, "steps per checkpoint of RUN_DIR/checkpoint.bin (0: none)", {},
       execution_field},
      {"threads", &C::threads, "threads (0: all cores)", {}, execution_field},
      {"reduction", &C::reduction,
       "under mpirun: ordered (the dictionary update folded across the ranks in chunk order, the same bits for "
       "any number of ranks) or allreduce (MPI_Allreduce of each rank's part)",
       {"ordered", "allreduce"}, execution_field},
  };
  return fields;
}

const Fields<MetricsRow>& metrics_fields() {
  using M = MetricsRow;
  static const Fields<MetricsRow> fields = {
      {"step", &M::step, "dictionary updates so far"},
      {"elapsed_s", &M::elapsed_s, "seconds of training so far"},
      {"reconstruction_error", &M::reconstruction_error, "mean ‖x − A s‖²/D over the row's window"},
      {"active_fraction", &M::active_fraction, "mean fraction of s ≠ 0 over the window"},
      {"pi", &M::pi, "activation probability π"},
      {"sigma", &M::sigma, "noise σ"},
      {"lambda", &M::lambda, "prior rate λ"},
      {"mean_norm", &M::mean_norm, "mean ‖A_k‖"},
      {"tau_u", &M::tau_u, "Δt/ε of the coefficient steps (adapted for MALA)", {}, optional_column},
      {"elbo", &M::elbo, "svae: mean ELBO over the window, nats per point", {}, optional_column},
      {"acceptance", &M::acceptance, "lsc: mean fraction of MALA proposals accepted over the window (1 for euler)", {},
       optional_column},
      {"ess", &M::ess,
       "lsc: median bulk-ESS of the tracked coefficients over the learning steps of the last complete hold", {},
       optional_column},
      {"ess_active", &M::ess_active, "lsc with l0: the same of the activities 1[s ≠ 0]", {}, optional_column},
  };
  return fields;
}

const Fields<InferConfig>& infer_config_fields() {
  using C = InferConfig;
  static const Fields<InferConfig> fields = {
      {"method", &C::method,
       "map, lca, or a sampler: " + either_of(sampling_infer_methods()) +
           " (with l0, langevin is L0-LSC, eq. 3.9; docs/parameters.md compares them)",
       infer_methods()},
      {"chains", &C::chains, "chains per data point"},
      {"samples", &C::samples, "recorded steps per chain"},
      {"burn_in", &C::burn_in, "steps discarded before recording"},
      {"tau_u", &C::tau_u, "time constant, ε = 1/τ_u (default: from the dictionary's stiffness)", {}, zero_is_unset},
      {"temperature", &C::temperature, "temperature T"},
      {"target_accept", &C::target_accept,
       "mala, hmc, ghmc: adapt ε toward this acceptance during the burn-in, never above 1/τ_u (unset: 0.574 for "
       "mala, 0.65 for hmc, 0.8 for ghmc; 0: off)"},
      {"dead_zone_jumps", &C::dead_zone_jumps,
       "l0: exact Metropolis jumps across the dead zone |u| < u0 (unset: on for hmc, ghmc and baoab, off for langevin "
       "and mala)"},
      {"precondition", &C::precondition,
       "hmc, ghmc, baoab: the mass diag(A^T A)/σ² plus the prior's precision, so that every coefficient moves on "
       "its posterior's scale (unset: on)"},
      {"friction", &C::friction, "ghmc, baoab: the friction γ; each step keeps e^(−γh) of the momentum, h = √(2ε)"},
      {"leapfrog", &C::leapfrog, "hmc: leapfrog steps per trajectory"},
      {"dtype", &C::dtype, "the samplers' precision, float32 (default) or float64", {"float32", "float64"}},
      {"backend", &C::backend, "langevin, mala: the engine's device, cpu (default) or cuda", {"cpu", "cuda"}},
      {"map_steps", &C::map_steps, "iterations of map / lca"},
      {"map_tolerance", &C::map_tolerance,
       "map / lca stop early once no coefficient moves by more than this in a step (0: run all map_steps)"},
      {"seed", &C::seed, "random seed"},
      {"keep_samples", &C::keep_samples, "record chain 0's trajectory of every data point"},
      {"block", &C::block, "data points processed together (0: automatic; results do not depend on it)", {},
       execution_field},
      {"threads", &C::threads, "threads (0: all cores)", {}, execution_field},
      {"diagnose_points", &C::diagnose_points,
       "the first this many data points get R-hat, bulk- and tail-ESS and MCSE of every coefficient and its "
       "activity, from all their chains (0: none)"},
  };
  return fields;
}

const Fields<LoglikConfig>& loglik_config_fields() {
  using C = LoglikConfig;
  static const Fields<LoglikConfig> fields = {
      {"chains", &C::chains, "AIS chains per data point"},
      {"steps", &C::steps, "intermediate distributions (annealing steps)"},
      {"leapfrog", &C::leapfrog, "leapfrog steps per HMC trajectory"},
      {"target_accept", &C::target_accept, "HMC acceptance rate the step size is adapted toward"},
      {"schedule", &C::schedule, "annealing schedule: " + either_of(ais_schedule_names()), ais_schedule_names()},
      {"tune_chains", &C::tune_chains, "extra chains per data point that adapt the step size (weights discarded)"},
      {"seed", &C::seed, "random seed"},
      {"threads", &C::threads, "threads (0: all cores)", {}, execution_field},
  };
  return fields;
}

const Fields<RunSummary>& run_summary_fields() {
  using S = RunSummary;
  static const Fields<RunSummary> fields = {
      {"method", &S::method, "learning method"},
      {"prior", &S::prior, "prior"},
      {"pi", &S::pi, "final π"},
      {"lambda", &S::lambda, "final λ"},
      {"sigma", &S::sigma, "final σ"},
      {"elapsed_s", &S::elapsed_s, "seconds of training"},
      {"steps", &S::steps, "dictionary updates"},
      {"acceptance", &S::acceptance, "MALA acceptance over the run (1 for the other dynamics)"},
      {"tau_u_final", &S::tau_u_final, "τ_u at the last metrics row (adapted for MALA)"},
      {"elbo", &S::elbo, "svae: ELBO over the last metrics window, nats per point"},
      {"bars_recovered", &S::bars_recovered, "bars: true elements recovered (best |cosine| ≥ 0.95)"},
      {"bars_best_abs_cosine", &S::bars_best_abs_cosine, "bars: best |cosine| of every true element"},
      {"dictionary_quality", &S::dictionary_quality, "image runs: Gabor fits and the used/unused split"},
  };
  return fields;
}

const Fields<BarsOptions>& bars_option_fields() {
  using B = BarsOptions;
  static const Fields<BarsOptions> fields = {
      {"size", &B::size, "image side: D = size², K = 2·size"},
      {"pixel", &B::pixel, "value of a lit pixel (default 1/√size: unit-norm bars)", {}, zero_is_unset},
      {"lambda", &B::lambda, "rate λ of the active coefficients"},
      {"pi", &B::pi, "activation probability π of each bar"},
      {"sigma", &B::sigma, "noise σ"},
      {"seed", &B::seed, "random seed"},
  };
  return fields;
}

const Fields<PatchDataOptions>& patch_data_fields() {
  using P = PatchDataOptions;
  static const Fields<PatchDataOptions> fields = {
      {"path", &P::path, "folder, .mat, .npy stack or image file"},
      {"variable", &P::variable, "variable of a .mat file (default: the first numeric one)"},
      {"whiten", &P::whiten,
       "olshausen (frequency domain, per image), pca or zca (fit on the patches), or none",
       {"olshausen", "pca", "zca", "none"}},
      {"cutoff", &P::cutoff, "Olshausen-Field roll-off frequency f0 in cycles/pixel"},
      {"image_variance", &P::image_variance,
       "olshausen: variance of each whitened image (sparsenet's IMAGES.mat uses 0.1)"},
      {"keep", &P::keep, "pca/zca: fraction of the p² components kept (SVAE: 0.785 = π/4 with keep_by_frequency)"},
      {"keep_by_frequency", &P::keep_by_frequency,
       "pca/zca: keep the lowest-spatial-frequency components rather than the largest-variance ones"},
      {"patch", NestedField<P, int>{[](P& o) -> int& { return o.patches.size; }}, "patch side p (D = p²)"},
      {"border", NestedField<P, int>{[](P& o) -> int& { return o.patches.border; }}, "pixels skipped at image edges"},
      {"seed", NestedField<P, std::uint64_t>{[](P& o) -> std::uint64_t& { return o.patches.seed; }},
       "random seed (positions and split)"},
      {"count", &P::count, "number of patches"},
      {"test_fraction", &P::test_fraction, "fraction of images held out for subset test"},
      {"subset", &P::subset, "images to use: all, or the train / test part of a split by image",
       {"all", "train", "test"}},
      {"remove_mean", &P::remove_mean, "subtract each patch's mean"},
      {"normalize_variance", &P::normalize_variance, "scale each patch to unit variance"},
  };
  return fields;
}

nlohmann::json config_json(const TrainConfig& config) { return to_json(config, train_config_fields(), false); }

TrainConfig config_from_json(const nlohmann::json& j, const std::string& what) {
  TrainConfig c;
  from_json(c, j, train_config_fields(), what);
  if (const auto initial = j.find("initial"); initial != j.end() && initial->is_object()) {
    c.pi = initial->value("pi", c.pi);
    c.lambda = initial->value("lambda", c.lambda);
    c.sigma = initial->value("sigma", c.sigma);
  }
  return c;
}

std::string metrics_csv(const std::vector<MetricsRow>& rows) {
  using F = Field<MetricsRow>;
  std::vector<const F*> columns;
  for (const F& f : metrics_fields()) {
    const bool any = std::any_of(rows.begin(), rows.end(), [&](const MetricsRow& r) {
      return !std::isnan(numeric_value(r, f));
    });
    if (!f.has(optional_column) || any) columns.push_back(&f);
  }
  std::ostringstream out;
  for (std::size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << columns[i]->name;
  out << '\n' << std::setprecision(9);
  for (const MetricsRow& r : rows) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i) out << ',';
      // Counts as integers: a double would print 2e+09 at nine digits.
      if (const auto* count = std::get_if<std::uint64_t MetricsRow::*>(&columns[i]->member))
        out << r.**count;
      else
        out << numeric_value(r, *columns[i]);
    }
    out << '\n';
  }
  return out.str();
}

std::vector<MetricsRow> read_metrics_csv(const std::filesystem::path& file) {
  using F = Field<MetricsRow>;
  std::ifstream in(file);
  require(in.good(), file.string() + ": cannot read the metrics; pass a run folder written by 'lsc train'.");
  std::string line;
  std::getline(in, line);
  std::vector<const F*> columns;
  std::string expected;
  for (const F& f : metrics_fields())
    if (!f.has(optional_column)) expected += (expected.empty() ? "" : ",") + f.name;
  const std::string bad = file.string() + ": not a metrics.csv written by lsc (expected the columns " + expected +
                          ", then optional ones); re-create it with 'lsc train'.";
  {
    std::istringstream header(line);
    std::string name;
    while (std::getline(header, name, ',')) {
      if (!name.empty() && name.back() == '\r') name.pop_back();
      const F* f = find_field(metrics_fields(), name);
      require(f != nullptr, bad);
      columns.push_back(f);
    }
  }
  for (const F& f : metrics_fields())
    require(f.has(optional_column) ||
                std::find(columns.begin(), columns.end(), &f) != columns.end(),
            bad);
  std::vector<MetricsRow> rows;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    std::istringstream cells(line);
    std::string cell;
    MetricsRow r;
    std::size_t i = 0;
    for (; std::getline(cells, cell, ',') && i < columns.size(); ++i) {
      try {
        std::size_t used = 0;
        if (const auto* count = std::get_if<std::uint64_t MetricsRow::*>(&columns[i]->member))
          r.**count = std::stoull(cell, &used);
        else
          set_numeric(r, *columns[i], std::stod(cell, &used));
      } catch (const std::exception&) {
        throw Error(file.string() + ": '" + cell + "' in column " + columns[i]->name +
                    " is not a number; re-create it with 'lsc train'.");
      }
    }
    require(i == columns.size(), file.string() + ": a row has " + std::to_string(i) + " values for " +
                                     std::to_string(columns.size()) + " columns; re-create it with 'lsc train'.");
    rows.push_back(r);
  }
  return rows;
}

}  // namespace lsc::run
