#include "lsc/run/train.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "lsc/core/error.hpp"
#include "lsc/core/memory.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/dist/batch_shard.hpp"
#include "lsc/io/digest.hpp"
#include "lsc/learn/learner.hpp"
#include "lsc/learn/svae.hpp"
#include "lsc/run/methods.hpp"
#include "lsc/run/records.hpp"
#include "lsc/sampler/samplers.hpp"
#include "lsc/solver/lca.hpp"
#include "lsc/solver/proximal_gradient.hpp"

namespace lsc::run {

namespace {

template <class T>
void set_default(T& value, T fallback) {
  if (value == T{}) value = fallback;
}

std::unique_ptr<Learner> make_map_learner(const TrainConfig& c, Model model, const BatchSource& data,
                                          const LearnerOptions& o) {
  if (c.method == "lca") {
    LcaOptions l;
    l.steps = c.inner_steps;
    return std::make_unique<NestedLearner>(std::move(model), data, o, std::make_unique<Lca>(l));
  }
  ProximalGradientOptions p;
  p.steps = c.inner_steps;
  return std::make_unique<NestedLearner>(std::move(model), data, o, std::make_unique<ProximalGradient>(p));
}

// ssc and lsc: one engine step per time step (backend/step_engine.hpp).
std::unique_ptr<Learner> make_engine_learner(const TrainConfig& c, Model model, const BatchSource& data,
                                             const LearnerOptions& o) {
  const bool ssc = c.method == "ssc";
  EngineOptions e;
  e.backend = backend_from_name(c.backend);
  e.dtype = dtype_from_name(c.dtype);
  e.sampler = ssc ? SamplerKind::gradient_flow : sampler_from_name(c.sampler);
  e.dead_zone_jumps = c.dead_zone_jumps;
  e.seed = c.seed;
  e.eps = 1.0 / c.tau_u;
  e.temperature = ssc ? 0.0 : c.temperature;
  if (*c.target_accept > 0) e.adaptation = StepSizeAdaptation{*c.target_accept, 0.05, 1.0 / c.tau_u};
  e.threads = c.threads;
  e.ordered_reduction = c.reduction == "ordered";
  if (ssc) require_map_prior(model.prior, "SSC");
  return std::make_unique<SimultaneousLearner>(std::move(model), data, o, e);
}

std::unique_ptr<Learner> make_svae_learner(const TrainConfig& c, Model model, const BatchSource& data,
                                           const LearnerOptions& o) {
  SvaeOptions sv;
  sv.adam.lr = c.lr;
  sv.seed = c.seed;
  return std::make_unique<SvaeLearner>(std::move(model), data, o, sv);
}

std::unique_ptr<Learner> make_learner(const TrainConfig& c, Model model, const BatchSource& data,
                                      std::shared_ptr<const dist::BatchShard> shard) {
  LearnerOptions o;
  o.shard = std::move(shard);
  o.batch = c.batch;
  o.tau_A = c.tau_A;
  o.tau_x = c.tau_x;
  o.hold_burn_in = *c.hold_burn_in;
  o.normalize = *c.normalize;
  if (c.var_goal > 0) o.variance_normalization = VarianceNormalization{c.var_goal};
  if (c.learn_pi) o.parameters.tau_u0 = c.tau_u0;
  if (c.learn_sigma) o.parameters.tau_sigma = c.tau_sigma;
  if (c.learn_lambda) o.parameters.tau_lambda = c.tau_lambda;
  return train_method(c.method).make(c, std::move(model), data, o);
}

// What every rank must agree on: the options (all but the thread count) and the data, by their
// dimension and a fingerprint of the first batch. Rank 0's are broadcast; a rank that differs says
// where, and every rank refuses with the first such sentence.
void require_same_on_every_rank(dist::Communicator& ranks, const TrainConfig& c, const BatchSource& data) {
  nlohmann::json mine = to_json(c, train_config_fields(), true);
  mine.erase("threads");
  const auto fingerprint = [](const Matrix& M) {  // FNV-1a over the bytes
    std::uint64_t hash = 14695981039346656037ull;
    const auto* bytes = reinterpret_cast<const unsigned char*>(M.data());
    for (std::size_t i = 0; i < static_cast<std::size_t>(M.size()) * sizeof(Real); ++i)
      hash = (hash ^ bytes[i]) * 1099511628211ull;
    return std::to_string(hash);
  };
  Matrix X;
  data.batch(0, c.batch, X);
  mine["data dimension"] = data.dim();
  mine["data"] = fingerprint(X);
  if (c.initial_dictionary) mine["initial dictionary"] = fingerprint(*c.initial_dictionary);
  std::string text = mine.dump();
  std::uint64_t length = text.size();
  ranks.broadcast(&length, sizeof length, 0);
  std::string root = text;
  root.resize(length);
  ranks.broadcast(root.data(), length, 0);
  const nlohmann::json reference = nlohmann::json::parse(root);
  constexpr std::size_t kWidth = 240;
  std::array<char, kWidth> difference{};
  for (const auto& [key, value] : reference.items()) {
    const auto it = mine.find(key);
    if (it != mine.end() && *it == value) continue;
    const std::string where =
        key == "data"                 ? "other data (a different first batch)"
        : key == "initial dictionary" ? "another initial dictionary"
                                      : key + " = " + (it == mine.end() ? std::string("nothing") : it->dump()) +
                                            " where rank 0 has " + value.dump();
    std::snprintf(difference.data(), kWidth, "rank %d was started with %s", ranks.rank(), where.c_str());
    break;
  }
  if (difference[0] == 0 && mine.size() != reference.size())  // a key rank 0 lacks: an initial dictionary
    std::snprintf(difference.data(), kWidth, "rank %d was started with an initial dictionary and rank 0 without",
                  ranks.rank());
  std::vector<char> all(kWidth * static_cast<std::size_t>(ranks.size()));
  ranks.allgather(difference.data(), std::vector<std::size_t>(static_cast<std::size_t>(ranks.size()), kWidth), all.data());
  for (int r = 0; r < ranks.size(); ++r) {
    const char* d = all.data() + kWidth * static_cast<std::size_t>(r);
    if (d[0] != 0)
      throw Error(std::string(d, strnlen(d, kWidth)) + "; start every rank with the same command and data.");
  }
}

}  // namespace

// Documented defaults (docs/parameters.md), measured on the bars data: every method recovers all
// 16 bars, and L0-LSC learns π within ±0.03 and the bars' unit norm within a few percent.
const std::vector<TrainMethod>& train_method_table() {
  //                name, description, sampling, engine, normalize, prior, steps, tau_A, tau_x, make
  static const std::vector<TrainMethod> table = {
      {"dsc", "MAP coefficients by proximal gradient (FISTA), unit-norm columns (Olshausen & Field; Alg. 1)",
       false, false, true, PriorKind::l1, 2000, 20, 200, make_map_learner},
      {"lca", "MAP coefficients by the locally competitive algorithm, unit-norm columns (Alg. 1)",
       false, false, true, PriorKind::l1, 2000, 20, 200, make_map_learner},
      {"ssc", "MAP dynamics simultaneous with the dictionary, unit-norm columns (Alg. 2)",
       false, true, true, PriorKind::l1, 60000, 500, 200, make_engine_learner},
      {"lsc", "Langevin sampling simultaneous with the dictionary, no normalization (eq. 2.29-2.31; L0-LSC with l0)",
       true, true, false, PriorKind::l0, 200000, 3000, 400, make_engine_learner},
      // The SVAE (SVAE §3-4): steps about the paper's 128 epochs (§4.3), a new batch every step.
      {"svae", "sparse-coding VAE: amortized Gaussian q over the same linear model, Adam on the ELBO",
       false, false, false, PriorKind::cauchy, 200000, 20, 1, make_svae_learner},
  };
  return table;
}

const TrainMethod& train_method(const std::string& name) {
  for (const TrainMethod& m : train_method_table())
    if (m.name == name) return m;
  std::string names;
  for (const TrainMethod& m : train_method_table()) names += (names.empty() ? "" : ", ") + m.name;
  throw Error("unknown method '" + name + "'; choose one of " + names + ".");
}

std::vector<std::string> train_methods() {
  std::vector<std::string> names;
  for (const TrainMethod& m : train_method_table()) names.push_back(m.name);
  return names;
}

TrainConfig resolve_defaults(TrainConfig c, Index D) {
  const TrainMethod& method = train_method(c.method);
  require(c.K > 0, "K must be at least 1 (got " + std::to_string(c.K) + "); pass e.g. --K 16.");
  require(D > 0, "the data have no features; pass an array of shape (N, D) with D >= 1.");
  const bool sampling = method.sampling, svae = c.method == "svae";
  if (!c.prior) c.prior = method.prior;
  require(std::isfinite(c.var_goal) && c.var_goal >= 0, "--var-goal must be a positive number; pass e.g. --var-goal 1.");
  require(c.var_goal == 0 || c.method == "dsc" || c.method == "lca",
          "--var-goal is Olshausen & Field's normalization of the MAP learners; use --method dsc or lca, or drop it.");
  require(c.var_goal == 0 || !c.normalize.value_or(false),
          "--var-goal replaces unit-norm columns; drop --normalize.");
  if (!c.normalize) c.normalize = method.normalize && c.var_goal == 0;
  set_default<Real>(c.sigma, svae ? std::exp(-1.0) : 0.5);
  require(std::isfinite(c.sigma) && c.sigma > 0, "sigma must be a positive number; pass e.g. --sigma 0.5.");
  if (svae) {
    // The SVAE (SVAE §3-4): Adam on the ELBO, with σ and the prior fixed; Φ's norms are
    // regularized by q's variance (SVAE §2.3) and are never normalized.
    require(*c.prior == PriorKind::cauchy || *c.prior == PriorKind::laplace || *c.prior == PriorKind::gaussian,
            "the SVAE needs a prior with a density on the whole real line, not " + Prior{*c.prior}.name() +
                "; use --prior cauchy, laplace or gaussian.");
    require(!(c.learn_pi || c.learn_sigma || c.learn_lambda),
            "the SVAE keeps sigma and the prior fixed (SVAE §4.2); drop --learn-pi, --learn-sigma and --learn-lambda.");
    require(!*c.normalize, "the SVAE learns the norms of Phi through the ELBO; drop --normalize.");
    set_default<Real>(c.lr, 1e-4);
    require(std::isfinite(c.lr) && c.lr > 0, "the learning rate must be a positive number; pass e.g. --lr 1e-4.");
    set_default<Index>(c.batch, 32);
    c.tau_x = method.tau_x;  // a new batch every step
  } else {
    require(c.lr == 0, "--lr is Adam's learning rate and applies to --method svae only.");
  }
  require(sampling || !(c.learn_pi || c.learn_sigma || c.learn_lambda),
          "learning pi, sigma or lambda needs posterior samples, which " + c.method +
              " does not produce; use --method lsc.");
  require(!c.learn_pi || *c.prior == PriorKind::l0,
          "--learn-pi applies to the l0 spike-and-slab prior only; use --prior l0.");
  const bool engine = method.engine;
  require(engine || (c.dtype.empty() && c.backend.empty()),
          "--dtype and --backend choose the engine of lsc and ssc; drop them for " + c.method + ".");
  if (engine) {
    if (c.dtype.empty()) c.dtype = "float32";
    if (c.backend.empty()) c.backend = "cpu";
    dtype_from_name(c.dtype);
    backend_from_name(c.backend);
    require(c.backend == "cpu" || !(c.learn_pi || c.learn_sigma || c.learn_lambda),
            "learning pi, sigma or lambda runs on --backend cpu only so far; drop --backend cuda or the --learn-* flags.");
  }
  // Euler-Maruyama at τ_u = 20 is the default: on natural images MALA's rejections slow the chains
  // as much as doubling τ_u, and the dictionary then stays noise-like (docs/results.md, the cause
  // table); MALA, exact at any step size, is the choice when the learned norms must be unbiased.
  if (c.sampler.empty()) c.sampler = sampling ? "euler" : "none";
  if (sampling) sampler_info(c.sampler);  // throws for an unknown name
  // Their momentum is not part of a checkpoint, and in a trial ghmc and baoab learned no better
  // than euler (docs/parameters.md, "Samplers in learning").
  require(!sampling || !is_kinetic(sampler_from_name(c.sampler)),
          "--sampler " + c.sampler + " samples lsc infer's posteriors; lsc train runs euler or mala.");
  require(sampling || c.sampler == "none", "--sampler applies to --method lsc only.");
  require(std::isfinite(c.temperature) && c.temperature >= 0,
          "--temperature must be 0 or a positive number; use 1 to sample the posterior.");
  if (!c.target_accept) c.target_accept = c.sampler == "mala" ? 0.574 : 0.0;
  require(*c.target_accept >= 0 && *c.target_accept < 1,
          "--target-accept must lie in [0, 1) (0 switches step-size adaptation off); use e.g. 0.574.");
  require(!c.dead_zone_jumps || (sampling && *c.prior == PriorKind::l0),
          "--dead-zone-jumps applies to the l0 prior sampled by --method lsc; drop it or use --prior l0.");
  require(*c.target_accept == 0 || c.sampler == "mala",
          "--target-accept adapts MALA's step size only; use --sampler mala or drop it.");
  set_default<std::uint64_t>(c.steps, method.steps);
  set_default<Index>(c.batch, 200);
  set_default<Real>(c.tau_A, method.tau_A);  // unused by svae
  set_default<std::uint64_t>(c.tau_x, method.tau_x);
  // The chains re-equilibrate after a batch switch within tens of steps at τ_u = 20 (docs/
  // parameters.md), so Euler learns at every step as the paper does; MALA keeps half of each
  // hold to adapt its step size in.
  if (!c.hold_burn_in) c.hold_burn_in = sampling && c.sampler == "mala" ? c.tau_x / 2 : 0;
  require(sampling || c.init_scale == 0, "--init-scale sets the random start of lsc; the " + c.method +
                                             " dictionary starts at unit norm, so drop --init-scale.");
  if (sampling) set_default<Real>(c.init_scale, 0.1);
  require(std::isfinite(c.init_scale) && c.init_scale >= 0,
          "--init-scale must be a positive number; pass e.g. --init-scale 0.1.");
  set_default<Real>(c.tau_u0, 3000);
  set_default<Real>(c.tau_sigma, 3000);
  set_default<Real>(c.tau_lambda, 3000);
  set_default<int>(c.inner_steps, c.method == "lca" ? 200 : 100);
  if (c.metrics_every == 0) c.metrics_every = std::max<std::uint64_t>(1, c.steps / 200);
  if (c.checkpoint_every > 0)  // checkpoints fall on metrics rows, so no window is cut in two
    c.checkpoint_every = (c.checkpoint_every + c.metrics_every - 1) / c.metrics_every * c.metrics_every;
  return c;
}

TrainResult train(const TrainConfig& config, const BatchSource& data, const TrainCallbacks& cb,
                  const TrainCheckpoint* resume, std::shared_ptr<dist::Communicator> ranks) {
  TrainResult result;
  result.config = resolve_defaults(config, data.dim());
  TrainConfig& c = result.config;
  {
    const double D = double(data.dim()), K = double(c.K), B = double(c.batch);
    // The engine's buffers: A with its update and Gram matrix, the chains' U and S with their
    // next states and gradients, the batch and its residual.
    require_memory(8.0 * (4 * D * K + 2 * K * K + 6 * K * B + 3 * D * B),
                   "training with K = " + std::to_string(c.K) + ", D = " + std::to_string(data.dim()) +
                       " and a batch of " + std::to_string(c.batch),
                   "use a smaller --K or --batch");
  }
  set_threads(c.threads);
  std::shared_ptr<const dist::BatchShard> shard;
  if (ranks && ranks->size() > 1) {
    require(train_method(c.method).engine && c.backend == "cpu",
            "data-parallel learning over " + std::to_string(ranks->size()) +
                " ranks runs lsc and ssc on --backend cpu; run " + c.method + (c.backend.empty() ? "" : " on " + c.backend) +
                " as one process (without mpirun).");
    require_same_on_every_rank(*ranks, c, data);
    shard = std::make_shared<const dist::BatchShard>(ranks, c.batch);
  }

  Model model;
  model.prior = Prior::make(*c.prior, c.lambda, c.pi);
  model.sigma = c.sigma;
  if (c.initial_dictionary) {
    require(c.initial_dictionary->rows() == data.dim() && c.initial_dictionary->cols() == c.K,
            "the initial dictionary has shape (" + std::to_string(c.initial_dictionary->cols()) + ", " +
                std::to_string(c.initial_dictionary->rows()) + ") but (K, D) = (" + std::to_string(c.K) + ", " +
                std::to_string(data.dim()) + ") is needed; pass a matching --K or dictionary.");
    model.A = *c.initial_dictionary;
  } else {
    model.A = random_dictionary(data.dim(), c.K, c.seed);
    if (*c.normalize || c.var_goal > 0 || c.init_scale > 0) normalize_columns(model.A);
    if (c.init_scale > 0) model.A *= c.init_scale * feature_scale(data);
  }
  // τ_u defaults to the paper's 20 steps, slower only where a given initial dictionary is stiffer,
  // so that ε·max eig(AᵀA)/σ² ≤ 0.5 at the start (the small random start never is).
  if (c.tau_u == 0 && c.method != "svae") c.tau_u = std::max(20.0, 2.0 * lipschitz_constant(model));
  std::unique_ptr<Learner> learner = make_learner(c, std::move(model), data, shard);

  std::uint64_t data_digest = 0;
  {
    Matrix first;
    data.batch(0, c.batch, first);
    data_digest = io::fnv1a(first.data(), sizeof(Real) * static_cast<std::size_t>(first.size()));
  }
  require(!resume || resume->data_digest == 0 || resume->data_digest == data_digest,
          "the checkpoint was written while training on other data (its first batch differs); resume with the "
          "--data (and data options) of the run that wrote it, or start again without --resume.");
  double elapsed_before = 0;
  if (resume) {
    learner->restore(resume->state);
    result.metrics = resume->metrics;
    elapsed_before = resume->elapsed_s;
  }
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return elapsed_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto checkpoint = [&] {
    if (cb.on_checkpoint) cb.on_checkpoint({learner->state(), result.metrics, elapsed(), data_digest});
  };
  Real err_sum = 0, active_sum = 0, elbo_sum = 0, acceptance_sum = 0;
  std::uint64_t window = 0;
  auto next_poll = start;
  for (std::uint64_t t = learner->steps_taken(); t < c.steps; ++t) {
    if (cb.should_abandon && std::chrono::steady_clock::now() >= next_poll) {
      next_poll = std::chrono::steady_clock::now() + kAbandonPoll;
      if (cb.should_abandon()) {
        result.stopped_early = result.abandoned = true;
        break;
      }
    }
    learner->step();
    const StepStats s = learner->stats();
    err_sum += s.reconstruction_error;
    active_sum += s.active_fraction;
    elbo_sum += s.elbo;
    acceptance_sum += s.acceptance;
    ++window;
    if ((t + 1) % c.metrics_every == 0 || t + 1 == c.steps) {
      const Model& m = learner->model();
      MetricsRow row;
      row.step = t + 1;
      row.elapsed_s = elapsed();
      row.reconstruction_error = err_sum / Real(window);
      row.active_fraction = active_sum / Real(window);
      row.pi = m.prior.pi;
      row.sigma = m.sigma;
      row.lambda = m.prior.lambda;
      row.mean_norm = m.A.colwise().norm().mean();
      const Real eps = learner->coefficient_eps();
      row.tau_u = eps > 0 ? 1.0 / eps : 0.0;
      row.elbo = elbo_sum / Real(window);
      row.acceptance = acceptance_sum / Real(window);
      const HoldDiagnostics hold = learner->hold_diagnostics();
      row.ess = hold.ess;
      row.ess_active = hold.ess_active;
      result.metrics.push_back(row);
      if (cb.on_metrics) cb.on_metrics(row, c.steps);
      if (cb.on_model) cb.on_model(row, m, learner->coefficients());
      err_sum = active_sum = elbo_sum = acceptance_sum = 0;
      window = 0;
      if (c.checkpoint_every > 0 && (t + 1) % c.checkpoint_every == 0 && t + 1 < c.steps) checkpoint();
      // Stop only on a row boundary, so that the final checkpoint resumes bit-exactly.
      if (cb.should_stop && cb.should_stop() && t + 1 < c.steps) {
        result.stopped_early = true;
        break;
      }
    }
  }
  if (c.checkpoint_every > 0 && window == 0 && !result.abandoned) checkpoint();
  result.model = learner->model();
  result.acceptance = learner->acceptance_rate();
  if (const auto* svae = dynamic_cast<const SvaeLearner*>(learner.get()))
    result.svae = std::make_shared<const Svae>(svae->svae());
  result.elapsed_s = elapsed();
  return result;
}

}  // namespace lsc::run
