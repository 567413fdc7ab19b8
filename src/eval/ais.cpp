#include "lsc/eval/ais.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <numbers>
#include <string>

#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/sampler/tempered_hmc.hpp"

namespace lsc {

namespace {

// ---- random streams -------------------------------------------------------------------------
// Each chain's stream in TemperedHmc (sampler/tempered_hmc.hpp): chains of the estimate, the
// step-size tuning and the BDMC reverse run draw from disjoint counters.
enum class Role : std::uint64_t { evaluate = 0, tune = 1, reverse = 2 };

// Columns of one tile: large enough that the two products per leapfrog step run near full BLAS
// speed, small enough that the whole state stays in cache. Tiles are independent AIS runs, so
// the result does not depend on how tiles are spread over threads.
constexpr Index kTileColumns = 256;

// η of the step-size adaptation: log m moves by η (ā − target) per transition, so it settles
// within a few transitions and its noise from the tuning chains' acceptances stays ~0.1.
constexpr Real kAdaptRate = 0.5;
constexpr Real kInitialMultiplier = 0.5;

// ---- the whole run ------------------------------------------------------------------------------

// 1/√(c + β L): the length scale of the stiffest direction of γ_β, with c the prior's curvature
// (λ for the Gaussian, 2λ for the Cauchy type at 0, λ² as the inverse squared scale of the
// exponential ones) and L = max eig(AᵀA)/σ² the likelihood's.
struct StepScale {
  Real c = 1, L = 0;
  Real operator()(Real beta) const { return 1 / std::sqrt(c + beta * L); }
};

StepScale step_scale(const Model& model) {
  const Real lambda = model.prior.lambda;
  Real c = lambda * lambda;
  if (model.prior.kind == PriorKind::gaussian) c = lambda;
  if (model.prior.kind == PriorKind::cauchy) c = 2 * lambda;
  return {c, lipschitz_constant(model)};
}

// log mean_c exp(lw_c), its standard error and the effective sample size.
//
// The standard error of the log of a mean of C iid weights is, to first order (delta method),
// √(Var(w)/C) / E[w], estimated with the sample variance of w. When a few chains dominate (low
// ess) the sample variance understates Var(w): on the D = 36 Gaussian oracle with 16 chains and
// Var(log w) ≈ 1.2 the reported error was about 25 % below the true spread of the estimate
// (docs/evaluation.md). A lognormal model of w, exp(Var log w) − 1, is no remedy: chains stranded
// in the prior's tails (the Cauchy) give log w a long lower tail that inflates Var(log w) by
// orders of magnitude without changing the mean weight.
void summarize_weights(const Vector& lw, Real& log_mean, Real& se, Real& ess) {
  const Index C = lw.size();
  const Real top = lw.maxCoeff();
  if (!std::isfinite(top)) {
    log_mean = top;
    se = std::numeric_limits<Real>::quiet_NaN();
    ess = 0;
    return;
  }
  const Eigen::ArrayXd w = (lw.array() - top).exp();
  const Real mean = w.mean();
  log_mean = top + std::log(mean);
  se = std::sqrt((w - mean).square().sum() / Real(C - 1) / Real(C)) / mean;
  ess = w.sum() * w.sum() / w.square().sum();
}

void finish_estimate(AisEstimate& e, bool reverse) {
  const Index N = e.log_weights.cols();
  e.log_px.resize(N);
  e.se.resize(N);
  e.ess.resize(N);
  for (Index n = 0; n < N; ++n) {
    summarize_weights(e.log_weights.col(n), e.log_px(n), e.se(n), e.ess(n));
    if (reverse) e.log_px(n) = -e.log_px(n);  // the reverse weights estimate 1/p(x)
  }
  e.mean = e.log_px.mean();
  e.se_points = N > 1 ? std::sqrt((e.log_px.array() - e.mean).square().sum() / Real(N - 1) / Real(N)) : 0.0;
  e.se_mc = std::sqrt(e.se.squaredNorm()) / Real(N);
}

void validate(const Model& model, const Matrix& X, const AisOptions& o) {
  model.validate();
  require(X.cols() > 0, "the data are empty; pass at least one data point.");
  require(X.rows() == model.D(), "the data have " + std::to_string(X.rows()) +
                                     " features per point but the dictionary has D = " + std::to_string(model.D()) +
                                     "; pass data of shape (N, " + std::to_string(model.D()) + ").");
  require(X.allFinite(), "the data contain NaN or infinite values; remove or impute them first.");
  require(o.chains >= 2, "--chains must be at least 2 (the error bar of each data point needs two chains).");
  require(o.steps >= 1, "--steps must be at least 1 (the number of annealing distributions, e.g. 200).");
  require(o.steps < (std::uint64_t{1} << 28), "--steps must be below 2^28.");
  require(o.leapfrog >= 1, "--leapfrog must be at least 1 (leapfrog steps per HMC trajectory, e.g. 10).");
  require(std::isfinite(o.target_accept) && o.target_accept > 0 && o.target_accept < 1,
          "--target-accept must lie strictly between 0 and 1 (e.g. 0.65).");
  require(o.tune_chains >= 1, "--tune-chains must be at least 1 (the chains that adapt the step size).");
}

struct Run {
  const Model& model;
  const Matrix& X;
  const Matrix* latents;  // BDMC: the coefficients X was simulated from
  const AisOptions& o;
  Philox rng;
  Vector beta;
  StepScale scale;
  Real log_norm;  // −(D/2) log(2πσ²), the constant of log N(x; A s, σ² I)
};

struct TileTotals {
  Vector step_sum;  // Σ over the tile's points of the base step size at transitions 1 … T−1
  std::uint64_t accepted = 0, proposed = 0, rev_accepted = 0, rev_proposed = 0;
};

// Annealing steps done, summed over data points and directions, shared by the tiles. Only the
// thread that called ais_log_likelihood (OpenMP's thread 0) calls the callback.
struct Progress {
  const AisCallbacks& cb;
  std::uint64_t total;
  std::atomic<std::uint64_t> done{0};

  void add(Index points) {
    const std::uint64_t now = done.fetch_add(static_cast<std::uint64_t>(points)) + static_cast<std::uint64_t>(points);
    if (cb.on_progress && omp_get_thread_num() == 0) cb.on_progress(now, total);
  }
};

// Forward AIS, and for BDMC reverse AIS, of points [first, first + n).
void run_tile(const Run& r, Index first, Index n, AisResult& out, TileTotals& totals, Progress& progress) {
  const Model& model = r.model;
  const Index C = r.o.chains, Ct = r.o.tune_chains, per = C + Ct;
  const std::uint64_t T = r.o.steps;
  const Index transitions = static_cast<Index>(T) - 1;
  const Real target = r.o.target_accept;

  // Columns: for each point its tuning chains, then its evaluation chains (ids per role).
  Matrix Xcols(model.D(), n * per);
  std::vector<std::uint64_t> ids(static_cast<std::size_t>(n * per));
  std::vector<std::uint64_t> roles(ids.size());
  for (Index p = 0; p < n; ++p)
    for (Index c = 0; c < per; ++c) {
      const Index j = p * per + c, point = first + p;
      const bool tuning = c < Ct;
      Xcols.col(j) = r.X.col(point);
      ids[static_cast<std::size_t>(j)] = static_cast<std::uint64_t>(tuning ? point * Ct + c : point * C + (c - Ct));
      roles[static_cast<std::size_t>(j)] = static_cast<std::uint64_t>(tuning ? Role::tune : Role::evaluate);
    }
  TemperedHmc tile(model, r.rng, r.o.leapfrog);
  tile.reset(Xcols, std::move(ids), std::move(roles));
  tile.initialize(nullptr);

  // Step-size multipliers per point, adapted only from the tuning chains (see ais.hpp).
  Vector log_m = Vector::Constant(n, std::log(kInitialMultiplier));
  Matrix schedule(n, std::max<Index>(transitions, 0));  // base ε per point and transition
  totals.step_sum.setZero(std::max<Index>(transitions, 0));
  Vector eps(n * per), log_w = Vector::Zero(n * per);
  for (std::uint64_t t = 1; t <= T; ++t) {
    if (t > 1) {
      const std::uint64_t s = t - 1;  // transition s leaves γ_s invariant
      const Real b = r.beta(static_cast<Index>(s));
      for (Index p = 0; p < n; ++p) {
        const Real e = std::exp(log_m(p)) * r.scale(b);
        eps.segment(p * per, per).setConstant(e);
        schedule(p, static_cast<Index>(s) - 1) = e;
        totals.step_sum(static_cast<Index>(s) - 1) += e;
      }
      tile.transition(b, eps, s);
      for (Index p = 0; p < n; ++p) {
        const Real abar = tile.accept_prob().segment(p * per, Ct).mean();
        log_m(p) = std::clamp(log_m(p) + kAdaptRate * (abar - target), std::log(1e-6), std::log(1e3));
      }
    }
    // w ← w · p(x | u)^{β_t − β_{t−1}}, the constant of log p(x | u) added at the end.
    log_w -= (r.beta(static_cast<Index>(t)) - r.beta(static_cast<Index>(t) - 1)) * tile.e_lik();
    progress.add(n);
  }
  for (Index p = 0; p < n; ++p)
    for (Index c = 0; c < C; ++c) {
      const Index j = p * per + Ct + c;
      out.forward.log_weights(c, first + p) = log_w(j) + r.log_norm;
      totals.accepted += tile.accepted(j);
      totals.proposed += tile.proposed();
    }
  if (!r.latents) return;

  // Reverse: u from p(u | s_n), exact posterior samples of x_n; transitions at β_{T−1} … β_1 with
  // the step sizes the forward tuning chains chose (independent of these chains).
  Matrix Xrev(model.D(), n * C), Srev(model.K(), n * C);
  std::vector<std::uint64_t> rev_ids(static_cast<std::size_t>(n * C));
  for (Index p = 0; p < n; ++p)
    for (Index c = 0; c < C; ++c) {
      const Index j = p * C + c, point = first + p;
      Xrev.col(j) = r.X.col(point);
      Srev.col(j) = r.latents->col(point);
      rev_ids[static_cast<std::size_t>(j)] = static_cast<std::uint64_t>(point * C + c);
    }
  TemperedHmc rev(model, r.rng, r.o.leapfrog);
  rev.reset(Xrev, std::move(rev_ids), std::vector<std::uint64_t>(static_cast<std::size_t>(n * C), static_cast<std::uint64_t>(Role::reverse)));
  rev.initialize(&Srev);
  Vector rev_eps(n * C), rev_w = Vector::Zero(n * C);
  for (std::uint64_t t = T; t >= 1; --t) {
    if (t < T) {
      for (Index p = 0; p < n; ++p) rev_eps.segment(p * C, C).setConstant(schedule(p, static_cast<Index>(t) - 1));
      rev.transition(r.beta(static_cast<Index>(t)), rev_eps, t);
    }
    // w ← w · p(x | u)^{β_{t−1} − β_t}: the reverse weight estimates p_0's mass over p_T's, 1/p(x).
    rev_w += (r.beta(static_cast<Index>(t)) - r.beta(static_cast<Index>(t) - 1)) * rev.e_lik();
    progress.add(n);
  }
  for (Index p = 0; p < n; ++p)
    for (Index c = 0; c < C; ++c) {
      const Index j = p * C + c;
      out.reverse.log_weights(c, first + p) = rev_w(j) - r.log_norm;
      totals.rev_accepted += rev.accepted(j);
      totals.rev_proposed += rev.proposed();
    }
}

AisResult run_ais(const Model& model, const Matrix& X, const Matrix* latents, const AisOptions& o,
                  const AisCallbacks& cb) {
  validate(model, X, o);
  set_threads(o.threads);
  const auto start = std::chrono::steady_clock::now();
  const Index N = X.cols(), C = o.chains, per = o.chains + o.tune_chains;
  const Run r{model, X, latents, o, Philox(o.seed), ais_schedule(o.schedule, o.steps), step_scale(model),
              -0.5 * Real(model.D()) * std::log(2 * std::numbers::pi * model.sigma * model.sigma)};
  AisResult out;
  out.beta = r.beta;
  out.forward.log_weights.resize(C, N);
  if (latents) out.reverse.log_weights.resize(C, N);

  const Index points_per_tile = std::max<Index>(1, kTileColumns / per);
  const Index tiles = (N + points_per_tile - 1) / points_per_tile;
  std::vector<TileTotals> totals(static_cast<std::size_t>(tiles));
  Progress progress{cb, static_cast<std::uint64_t>(N) * o.steps * (latents ? 2 : 1)};
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1)
  for (Index i = 0; i < tiles; ++i) {
    try {
      const Index first = i * points_per_tile;
      run_tile(r, first, std::min(points_per_tile, N - first), out, totals[static_cast<std::size_t>(i)], progress);
    } catch (...) {
#pragma omp critical(lsc_ais_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  if (cb.on_progress) cb.on_progress(progress.total, progress.total);

  // Totals in tile order, so that sums do not depend on the thread count.
  out.step_size.setZero(static_cast<Index>(o.steps) - 1);
  std::uint64_t acc = 0, prop = 0, rev_acc = 0, rev_prop = 0;
  for (const TileTotals& t : totals) {
    out.step_size += t.step_sum;
    acc += t.accepted;
    prop += t.proposed;
    rev_acc += t.rev_accepted;
    rev_prop += t.rev_proposed;
  }
  out.step_size /= Real(N);
  finish_estimate(out.forward, false);
  out.forward.acceptance = prop ? Real(acc) / Real(prop) : 1.0;
  if (latents) {
    finish_estimate(out.reverse, true);
    out.reverse.acceptance = rev_prop ? Real(rev_acc) / Real(rev_prop) : 1.0;
  }
  out.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace

std::vector<std::string> ais_schedule_names() { return {"linear", "sigmoid"}; }

AisSchedule ais_schedule_from_name(const std::string& name) {
  if (name == "linear") return AisSchedule::linear;
  if (name == "sigmoid") return AisSchedule::sigmoid;
  throw Error("unknown annealing schedule '" + name + "'; choose linear or sigmoid.");
}

Vector ais_schedule(AisSchedule schedule, std::uint64_t steps) {
  require(steps >= 1, "--steps must be at least 1 (the number of annealing distributions, e.g. 200).");
  const Index T = static_cast<Index>(steps);
  Vector beta(T + 1);
  for (Index t = 0; t <= T; ++t) beta(t) = Real(t) / Real(T);
  if (schedule == AisSchedule::sigmoid) {
    // Grosse et al. (2015): β̃_t = sigmoid(δ(2t/T − 1)), δ = 4, rescaled so that β_0 = 0, β_T = 1.
    const auto sig = [](Real x) { return 1 / (1 + std::exp(-4 * (2 * x - 1))); };
    const Real lo = sig(0), hi = sig(1);
    for (Index t = 0; t <= T; ++t) beta(t) = (sig(beta(t)) - lo) / (hi - lo);
  }
  beta(0) = 0;
  beta(T) = 1;
  return beta;
}

AisResult ais_log_likelihood(const Model& model, const Matrix& X, const AisOptions& options,
                             const AisCallbacks& callbacks) {
  return run_ais(model, X, nullptr, options, callbacks);
}

AisResult bdmc_log_likelihood(const Model& model, const Matrix& X, const Matrix& S, const AisOptions& options,
                              const AisCallbacks& callbacks) {
  require(S.rows() == model.K() && S.cols() == X.cols(),
          "the latent coefficients have shape (" + std::to_string(S.cols()) + ", " + std::to_string(S.rows()) +
              ") but the data and dictionary need (" + std::to_string(X.cols()) + ", " + std::to_string(model.K()) +
              "); pass the coefficients the data were generated from, one row per data point.");
  require(S.allFinite(), "the latent coefficients contain NaN or infinite values; pass the exact coefficients of simulated data.");
  if (model.prior.nonnegative())
    require((S.array() >= 0).all(), "the " + model.prior.name() +
                                        " prior has nonnegative coefficients but the latents contain negative values; "
                                        "pass coefficients drawn from the model's own prior.");
  return run_ais(model, X, &S, options, callbacks);
}

}  // namespace lsc
