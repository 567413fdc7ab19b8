#include "lsc/run/infer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>

#include "lsc/core/error.hpp"
#include "lsc/core/memory.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/backend/step_engine.hpp"
#include "lsc/sampler/samplers.hpp"
#include "lsc/sampler/step_size_adaptation.hpp"
#include "lsc/solver/lca.hpp"
#include "lsc/solver/proximal_gradient.hpp"

namespace lsc::run {

std::vector<std::string> infer_methods() {
  std::vector<std::string> methods = {"map", "lca"};
  for (const std::string& m : sampling_infer_methods()) methods.push_back(m);
  return methods;
}

namespace {

// Default step: ε·L = 0.05 for Euler-Maruyama, whose bias grows with ε·L (science.md: the
// K = 2 case is off by 0.013 in P(s₂ > 0) at ε·L ≈ 0.2); MALA is exact at any ε and mixes
// faster with larger steps, so it takes ε·L = 0.5. The kinetic samplers take the same ε·L = 0.5,
// i.e. a leapfrog step h = √(2ε) = 1/√L, half the leapfrog's stability limit 2/√L, with L the
// stiffness in the metric of their mass (kinetic_update.hpp).
Real default_tau_u(const std::string& method, Real L) {
  const Real target = method == "langevin" ? 0.05 : 0.5;
  return std::max(L / target, 1.0);
}

// max eig(M^{-1/2} AᵀA M^{-1/2})/σ² (+ the prior's part is left out: it is small and smooth).
Real stiffness_in_mass_metric(const Model& model, bool precondition) {
  if (!precondition) return lipschitz_constant(model);
  Model scaled = model;
  scaled.A = model.A * kinetic_mass(model, true).cwiseSqrt().cwiseInverse().asDiagonal();
  return lipschitz_constant(scaled);
}

// Data points per block of the engine: blocks of data points keep memory bounded (the memory
// estimate in infer() uses the same size).
Index block_points(const InferConfig& c, Index chains) {
  return c.block > 0 ? c.block : std::max<Index>(1, 8192 / chains);
}

void infer_map(const Model& model, const Eigen::Ref<const Matrix>& data, const InferConfig& c, InferResult& out) {
  const Matrix X = data;  // the MAP solvers take a Matrix: one copy, small next to their iterations
  out.mean = Matrix::Zero(model.K(), X.cols());
  if (c.method == "map") {
    ProximalGradientOptions o;
    o.steps = c.map_steps;
    o.tolerance = c.map_tolerance;
    ProximalGradient(o).solve(model, X, out.mean);
  } else {
    LcaOptions o;
    o.steps = c.map_steps;
    o.tolerance = c.map_tolerance;
    Lca(o).solve(model, X, out.mean);
  }
  out.active = (out.mean.array() != 0).cast<Real>();
}

void infer_sampling(const Model& model, const Eigen::Ref<const Matrix>& X, const InferConfig& c, InferResult& out,
                    const InferCallbacks& cb) {
  const Index K = model.K(), D = model.D(), N = X.cols(), C = c.chains;
  const SamplerKind kind = sampler_for_infer_method(c.method)->kind;
  const bool precondition = c.precondition.value_or(true);
  const Real L = is_kinetic(kind) ? stiffness_in_mass_metric(model, precondition) : lipschitz_constant(model);
  out.tau_u = c.tau_u > 0 ? c.tau_u : default_tau_u(c.method, L);
  const Real eps = 1.0 / out.tau_u;
  out.stiffness = eps * L;
  if (c.method == "langevin" && out.stiffness >= 1.0) {
    std::ostringstream msg;
    msg << "the step size 1/tau_u = " << eps << " makes Euler-Maruyama unstable for this dictionary"
        << " (stiffness eps*max eig(A^T A)/sigma^2 = " << out.stiffness
        << " >= 1); pass --tau-u " << std::ceil(L / 0.05) << " or more, or use --method mala.";
    throw Error(msg.str());
  }
  EngineOptions e;
  e.backend = backend_from_name(c.backend.empty() ? "cpu" : c.backend);
  e.dtype = dtype_from_name(c.dtype.empty() ? "float32" : c.dtype);
  e.sampler = kind;
  e.dead_zone_jumps = c.dead_zone_jumps.value_or(is_kinetic(kind));
  e.precondition = precondition;
  e.friction = c.friction;
  e.leapfrog = c.leapfrog;
  e.seed = c.seed;
  e.eps = eps;
  e.temperature = c.temperature;
  e.tau_A = 0;
  // The Metropolis samplers' step size adapts during the burn-in of each block
  // (sampler/step_size_adaptation.hpp) and is fixed while samples are recorded.
  const Real target = c.target_accept.value_or(default_target_accept(c.method));
  if (target > 0) e.adaptation = StepSizeAdaptation{target, 0.05, eps};
  e.threads = c.threads;
  const std::unique_ptr<StepEngine> engine = make_step_engine(e);
  out.mean = Matrix::Zero(K, N);
  out.active = Matrix::Zero(K, N);
  if (c.keep_samples) out.samples.assign(c.samples, Matrix::Zero(K, N));
  // Every chain of the first P points, in diagnose_all's (chain, draw, quantity) order with
  // quantity p·K + k. R-hat and ESS need at least 4 draws per chain.
  const Index P = c.samples >= 4 ? std::min<Index>(c.diagnose_points, N) : 0;
  const Index T = static_cast<Index>(c.samples), Q = P * K;
  std::vector<Real> draws(static_cast<std::size_t>(C * T * Q));

  // Blocks of data points keep memory bounded; chain ids are global (n·C + c), so the noise
  // does not depend on the block size (the block size depends on C only, never on threads).
  const Index block = block_points(c, C);
  std::uint64_t proposed = 0, accepted = 0;
  Real eps_sum = 0;
  Index blocks = 0;
  Matrix Xrep, sum, nonzero, S;
  // Steps per call of the engine between polls of should_stop: short next to a second, long
  // enough that a call's fixed cost does not matter.
  constexpr std::uint64_t kPoll = 32;
  auto stop = [&] {
    if (cb.should_stop && cb.should_stop()) out.stopped_early = true;
    return out.stopped_early;
  };
  for (Index first = 0; first < N; first += block) {
    const Index n = std::min(block, N - first);
    Xrep.resize(D, n * C);
    for (Index p = 0; p < n; ++p)
      for (Index ch = 0; ch < C; ++ch) Xrep.col(p * C + ch) = X.col(first + p);
    engine->load(model, ChainState::zeros(K, n * C, static_cast<std::uint64_t>(first * C)));
    engine->set_batch(Xrep);
    StepMode burn{false, true, false};
    for (std::uint64_t t = 0; t < c.burn_in; t += kPoll) {
      if (stop()) return;
      engine->run(std::min(kPoll, c.burn_in - t), burn);
    }
    eps_sum += engine->eps();
    ++blocks;
    const StepMode record{false, false, true};
    const Index diagnosed = std::clamp<Index>(P - first, 0, n);  // of this block's points
    if (c.keep_samples || diagnosed > 0) {
      for (std::uint64_t t = 0; t < c.samples; ++t) {
        if (stop()) return;
        engine->run(1, record);
        engine->read_coefficients(S);
        if (c.keep_samples)
          for (Index p = 0; p < n; ++p) out.samples[t].col(first + p) = S.col(p * C);
        for (Index p = 0; p < diagnosed; ++p)
          for (Index ch = 0; ch < C; ++ch) {
            Real* to = draws.data() + (ch * T + static_cast<Index>(t)) * Q + (first + p) * K;
            for (Index k = 0; k < K; ++k) to[k] = S(k, p * C + ch);
          }
      }
    } else {
      for (std::uint64_t t = 0; t < c.samples; t += kPoll) {
        if (stop()) return;
        engine->run(std::min(kPoll, c.samples - t), record);
      }
    }
    std::uint64_t count = 0;
    engine->read_sums(sum, nonzero, count);
    const Real scale = 1.0 / (Real(C) * Real(count));
    for (Index p = 0; p < n; ++p) {
      out.mean.col(first + p) = scale * sum.middleCols(p * C, C).rowwise().sum();
      out.active.col(first + p) = scale * nonzero.middleCols(p * C, C).rowwise().sum();
    }
    Model m;
    ChainState chains;
    engine->read(m, chains);
    proposed += chains.proposed;
    accepted += chains.accepted;
    if (cb.on_progress) cb.on_progress(static_cast<std::uint64_t>(first + n), static_cast<std::uint64_t>(N));
  }
  out.acceptance = proposed ? Real(accepted) / Real(proposed) : 1.0;
  if (blocks > 0) out.tau_u = Real(blocks) / eps_sum;
  if (P > 0) {
    out.diagnosed_points = P;
    out.diagnostics = diagnose_all(draws.data(), T, C, Q);
    for (Real& v : draws) v = v != 0 ? 1.0 : 0.0;
    out.diagnostics_active = diagnose_all(draws.data(), T, C, Q);
  }
}

}  // namespace

Real default_target_accept(const std::string& method) {
  if (method == "mala") return 0.574;
  if (method == "hmc") return 0.65;
  if (method == "ghmc") return 0.8;
  return 0;
}

std::vector<std::string> convergence_warnings(const InferResult& r, Index K, Index chains, const std::string& remedy) {
  const auto name = [K](Index q) { return "point " + std::to_string(q / K) + " k = " + std::to_string(q % K); };
  std::vector<std::string> lines;
  for (const auto& [diagnostics, noun] :
       {std::pair{&r.diagnostics, "coefficients"}, std::pair{&r.diagnostics_active, "activities 1[s != 0]"}}) {
    std::string line = convergence_warning(summarize(*diagnostics, chains), noun, name, remedy);
    if (!line.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

InferResult infer(const Model& model, const Eigen::Ref<const Matrix>& X, const InferConfig& c,
                  const InferCallbacks& cb) {
  const auto methods = infer_methods();
  require(std::find(methods.begin(), methods.end(), c.method) != methods.end(),
          "unknown inference method '" + c.method + "'; choose one of " + either_of(methods) + ".");
  model.validate();
  require(X.rows() == model.D(), "the data have " + std::to_string(X.rows()) +
                                     " features per point but the dictionary has D = " +
                                     std::to_string(model.D()) + "; pass data of shape (N, " +
                                     std::to_string(model.D()) + ").");
  require(X.cols() > 0, "the data have no points (shape (0, " + std::to_string(X.rows()) + ")); pass at least one row.");
  require(X.allFinite(), "the data contain NaN or infinite values; remove or impute them first.");
  const bool sampling = sampler_for_infer_method(c.method) != nullptr;
  if (sampling) {
    require(c.chains > 0, "--chains must be at least 1.");
    require(c.samples > 0, "--samples must be at least 1.");
    require(c.diagnose_points >= 0, "--diagnose-points must be 0 (no diagnostics) or more.");
    require(std::isfinite(c.tau_u) && c.tau_u >= 0,
            "--tau-u must be a positive number of steps; leave it out to choose it from the dictionary's stiffness.");
    require(std::isfinite(c.temperature) && c.temperature >= 0,
            "--temperature must be 0 or a positive number; use 1 to sample the posterior.");
    require(!c.target_accept || (*c.target_accept >= 0 && *c.target_accept < 1),
            "--target-accept must lie in [0, 1) (0 switches step-size adaptation off); use e.g. 0.574.");
    require(!c.target_accept || *c.target_accept == 0 || default_target_accept(c.method) > 0,
            "--target-accept adapts the step of mala, hmc and ghmc; drop it for --method " + c.method + ".");
    require(std::isfinite(c.friction) && c.friction >= 0, "--friction must be 0 or a positive number; use e.g. 1.");
    require(c.leapfrog >= 1, "--leapfrog must be at least 1.");
  } else {
    require(!c.keep_samples, "--out-samples needs a sampling method; use --method hmc (the default) or another sampler.");
    require(c.dtype.empty() && c.backend.empty(),
            "--dtype and --backend choose the sampling engine; drop them for --method " + c.method + ".");
    require(c.map_steps >= 0, "--map-steps must be 0 or more.");
    require(std::isfinite(c.map_tolerance) && c.map_tolerance >= 0,
            "--map-tolerance must be 0 (run all --map-steps) or a positive number such as 1e-6.");
  }
  {
    const double K = double(model.K()), N = double(X.cols()), D = double(model.D());
    const double chains = sampling ? double(c.chains) : 1.0;
    const double block = std::min(N, double(block_points(c, sampling ? c.chains : 1)));
    // The mean and P(s != 0), a block's chains in the engine (U, S and their gradients), and the
    // recorded trajectory, which the command line copies once more to write it.
    const double diagnosed = sampling ? std::min(N, double(c.diagnose_points)) : 0.0;
    const double bytes = 8.0 * (2 * K * N + 6 * K * block * chains + D * block * chains) +
                         (c.keep_samples ? 2 * 8.0 * double(c.samples) * K * N : 0.0) +
                         8.0 * chains * double(c.samples) * diagnosed * K;
    require_memory(bytes, "inference of " + std::to_string(X.cols()) + " points with K = " + std::to_string(model.K()),
                   std::string("use fewer --chains") +
                       (c.keep_samples || c.diagnose_points > 0 ? ", --samples or --diagnose-points" : "") +
                       ", or pass fewer points at a time");
  }
  set_threads(c.threads);
  InferResult out;
  const auto start = std::chrono::steady_clock::now();
  if (sampling)
    infer_sampling(model, X, c, out, cb);
  else
    infer_map(model, X, c, out);
  out.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace lsc::run
