#include "stats.hpp"

#include <algorithm>

#include "lsc/core/rng.hpp"

namespace lsc::test {

Estimate mean_se(const RowVector& values) {
  const Real n = static_cast<Real>(values.size());
  const Real mean = values.mean();
  const Real var = (values.array() - mean).square().sum() / (n - 1);
  return {mean, std::sqrt(var / n)};
}

Matrix coefficients(const Prior& prior, const Matrix& U) {
  return visit_prior(prior, [&](const auto& ops) -> Matrix {
    return U.unaryExpr([&](Real u) { return ops.s(u); });
  });
}

Matrix chain_averages(Sampler& dynamics, const Model& model, const Matrix& X,
                      ChainState& chains, int burn_in, int steps, Index M,
                      const ChainStatistic& stat) {
  for (int i = 0; i < burn_in; ++i) dynamics.step(model, X, chains);
  Matrix acc = Matrix::Zero(M, chains.U.cols()), S;
  for (int i = 0; i < steps; ++i) {
    dynamics.step(model, X, chains);
    S = coefficients(model.prior, chains.U);
    stat(S, acc);
  }
  return acc / static_cast<Real>(steps);
}

Real ks_statistic(std::vector<Real> samples, const std::function<Real(Real)>& cdf) {
  std::sort(samples.begin(), samples.end());
  const Real n = static_cast<Real>(samples.size());
  Real d = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Real F = cdf(samples[i]);
    d = std::max({d, F - static_cast<Real>(i) / n, static_cast<Real>(i + 1) / n - F});
  }
  return d;
}

Real ks_critical(std::size_t n, Real alpha) {
  // P(√n D > x) → 2 Σ_{k≥1} (−1)^{k−1} exp(−2k²x²); solve = alpha by bisection.
  const auto tail = [](Real x) {
    Real p = 0;
    for (int k = 1; k <= 100; ++k) p += (k % 2 ? 2.0 : -2.0) * std::exp(-2.0 * k * k * x * x);
    return p;
  };
  Real lo = 0.3, hi = 5;
  for (int i = 0; i < 100; ++i) {
    const Real mid = 0.5 * (lo + hi);
    (tail(mid) > alpha ? lo : hi) = mid;
  }
  const Real rn = std::sqrt(static_cast<Real>(n));
  return lo / (rn + 0.12 + 0.11 / rn);
}

Matrix random_normal(Index rows, Index cols, std::uint64_t seed) {
  const Philox rng(seed);
  Matrix out(rows, cols);
  for (Index j = 0; j < cols; ++j)
    rng.normals(Purpose::data, 0, static_cast<std::uint64_t>(j), out.col(j).data(), rows);
  return out;
}

}  // namespace lsc::test
