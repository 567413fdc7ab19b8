#include "lsc/run/sampler_benchmark.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "lsc/core/error.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/core/statistics.hpp"
#include "lsc/sampler/samplers.hpp"

namespace lsc::run {

SamplerProblem quadrature_problem(Index points) {
  Matrix A(3, 2);
  A << 1.0, 0.6, 0.0, 0.8, 0.2, 0.1;
  Vector x(3);
  x << 0.9, 0.7, 0.1;
  SamplerProblem p{"quadrature K=2", Model{A, 0.5, Prior::make(PriorKind::l0, 1.0, 0.3)}, x.replicate(1, points), {}, {}};
  Vector mean(2), active(2);
  mean << 0.2429, 0.4945;  // science.md's quadrature, rounded to 5e-5: far below any MCSE here
  active << 0.3807, 0.5891;
  p.exact_mean = mean.replicate(1, points);
  p.exact_active = active.replicate(1, points);
  return p;
}

SamplerProblem gaussian_problem(Index K, Real condition, Index points, std::uint64_t seed) {
  require(K >= 2 && condition >= 1 && points >= 1, "the Gaussian problem needs K >= 2, a condition number >= 1 and a point.");
  const Philox rng(seed);
  // A random orthogonal basis: the Q of a Gaussian matrix (Haar up to column signs).
  Matrix Z(K, K);
  for (Index j = 0; j < K; ++j) rng.normals(Purpose::data, 16, static_cast<std::uint64_t>(j), Z.col(j).data(), K);
  const Matrix Q = Eigen::HouseholderQR<Matrix>(Z).householderQ();
  const Real lambda = 0.5, sigma = 0.5;
  Vector p(K);  // eigenvalues of the posterior precision AᵀA/σ² + λI
  for (Index i = 0; i < K; ++i) p(i) = std::pow(condition, Real(i) / Real(K - 1));
  const Matrix A = sigma * (p.array() - lambda).sqrt().matrix().asDiagonal() * Q.transpose();
  SamplerProblem out{"gaussian cond=" + std::to_string(static_cast<long long>(std::lround(condition))),
                     Model{A, sigma, Prior::make(PriorKind::gaussian, lambda)}, Matrix(K, points), {}, {}};
  Vector z(K), xi(K);
  for (Index j = 0; j < points; ++j) {
    rng.normals(Purpose::data, 17, static_cast<std::uint64_t>(j), z.data(), K);
    rng.normals(Purpose::data, 18, static_cast<std::uint64_t>(j), xi.data(), K);
    out.X.col(j) = A * z + sigma * xi;
  }
  // μ = P⁻¹ Aᵀx/σ² with P = Q diag(p) Qᵀ.
  const Matrix P_inv = Q * p.cwiseInverse().asDiagonal() * Q.transpose();
  out.exact_mean = P_inv * A.transpose() * out.X / (sigma * sigma);
  out.exact_active = Matrix::Ones(K, points);
  return out;
}

SamplerProblem model_problem(std::string name, Model model, Matrix X) {
  return SamplerProblem{std::move(name), std::move(model), std::move(X), {}, {}};
}

std::vector<SamplerVariant> sampler_variants(bool l0) {
  std::vector<SamplerVariant> out;
  for (const std::string& method : sampling_infer_methods()) {
    InferConfig c;
    c.method = method;
    const std::string label = method == "langevin" ? "euler" : method;
    if (l0) c.dead_zone_jumps = false;
    out.push_back({label, c});
    if (l0) {
      c.dead_zone_jumps = true;
      out.push_back({label + "+jumps", c});
    }
  }
  return out;
}

std::vector<SamplerBenchRow> benchmark_samplers(const SamplerProblem& problem, const std::vector<SamplerVariant>& variants,
                                                const SamplerBenchOptions& o,
                                                const std::function<void(const std::string&)>& on_variant) {
  const Index K = problem.model.K(), N = problem.X.cols();
  std::vector<InferResult> results;
  std::vector<SamplerBenchRow> rows;
  for (const SamplerVariant& v : variants) {
    if (on_variant) on_variant(v.label);
    InferConfig c = v.config;
    c.chains = o.chains;
    c.samples = o.samples;
    c.burn_in = o.burn_in;
    c.threads = o.threads;
    c.seed = o.seed;
    c.diagnose_points = N;
    results.push_back(infer(problem.model, problem.X, c));
    const InferResult& r = results.back();
    // The seconds of the same chains without the recording, which steps one step at a time and
    // would favour samplers with more gradients per step.
    c.diagnose_points = 0;
    const double seconds = infer(problem.model, problem.X, c).elapsed_s;
    SamplerBenchRow row;
    row.problem = problem.name;
    row.sampler = v.label;
    row.gradients = Real(o.samples) * Real(gradients_per_step(sampler_for_infer_method(c.method)->kind, c.leapfrog));
    row.seconds = seconds;
    std::vector<Real> ess;
    for (const Diagnostics& d : r.diagnostics) {
      ess.push_back(d.ess_bulk);
      row.rhat_max = std::max(row.rhat_max, d.rhat);
    }
    row.ess = median(ess);
    row.ess_per_gradient = row.ess / (Real(o.chains) * row.gradients);
    row.ess_per_second = row.ess * Real(N) / row.seconds;
    row.acceptance = r.acceptance;
    row.tau_u = r.tau_u;
    if (problem.exact_mean.size()) {
      Real z = 0;
      for (Index q = 0; q < N * K; ++q) {
        const Diagnostics& s = r.diagnostics[static_cast<std::size_t>(q)];
        const Diagnostics& a = r.diagnostics_active[static_cast<std::size_t>(q)];
        const Index k = q % K, n = q / K;
        z = std::max(z, std::abs(s.mean - problem.exact_mean(k, n)) / s.mcse_mean);
        if (a.mcse_mean > 0) z = std::max(z, std::abs(a.mean - problem.exact_active(k, n)) / a.mcse_mean);
      }
      row.bias_z = z;
    }
    rows.push_back(row);
  }
  // The coefficients whose activity mixes at all, by every sampler's estimate together.
  std::vector<bool> mixed(static_cast<std::size_t>(N * K));
  for (std::size_t q = 0; q < mixed.size(); ++q) {
    Real p = 0;
    for (const InferResult& r : results) p += r.diagnostics_active[q].mean / Real(results.size());
    mixed[q] = p >= 0.05 && p <= 0.95;
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::vector<Real> ess;
    for (std::size_t q = 0; q < mixed.size(); ++q)
      if (mixed[q]) ess.push_back(results[i].diagnostics_active[q].ess_bulk);
    SamplerBenchRow& row = rows[i];
    row.active_coefficients = static_cast<Index>(ess.size());
    if (ess.empty()) continue;
    row.ess_active = median(ess);
    row.ess_active_per_gradient = row.ess_active / (Real(o.chains) * row.gradients);
    row.ess_active_per_second = row.ess_active * Real(N) / row.seconds;
  }
  return rows;
}

std::string sampler_bench_csv(const std::vector<SamplerBenchRow>& rows) {
  std::ostringstream out;
  out << "problem,sampler,gradients_per_chain,seconds,ess,ess_per_gradient,ess_per_second,ess_active,"
         "ess_active_per_gradient,ess_active_per_second,active_coefficients,rhat_max,bias_z,acceptance,tau_u\n";
  char line[768];
  for (const SamplerBenchRow& r : rows) {
    std::snprintf(line, sizeof line, "%s,%s,%.0f,%.4g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%lld,%.5g,%.4g,%.4g,%.5g\n",
                  r.problem.c_str(), r.sampler.c_str(), r.gradients, r.seconds, r.ess, r.ess_per_gradient,
                  r.ess_per_second, r.ess_active, r.ess_active_per_gradient, r.ess_active_per_second,
                  static_cast<long long>(r.active_coefficients), r.rhat_max, r.bias_z, r.acceptance, r.tau_u);
    out << line;
  }
  return out.str();
}

}  // namespace lsc::run
