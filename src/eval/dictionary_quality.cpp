#include "lsc/eval/dictionary_quality.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>

#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/core/statistics.hpp"

namespace lsc {

namespace {

struct Mixture {
  Real w[2], mu[2], var[2];  // component 0 the lower
  Real loglik = -std::numeric_limits<Real>::infinity();
};

Real log_density(const Mixture& m, int c, Real x) {
  return std::log(m.w[c]) - 0.5 * std::log(2 * std::numbers::pi * m.var[c]) - 0.5 * (x - m.mu[c]) * (x - m.mu[c]) / m.var[c];
}

// EM for two 1-D Gaussians on sorted values x, started from the split x[0, k) | x[k, n).
Mixture fit_two_gaussians(const std::vector<Real>& x, std::size_t k, Real var_floor) {
  const std::size_t n = x.size();
  Mixture m;
  for (int c = 0; c < 2; ++c) {
    const std::size_t b = c ? k : 0, e = c ? n : k;
    Real mean = 0, var = 0;
    for (std::size_t i = b; i < e; ++i) mean += x[i] / Real(e - b);
    for (std::size_t i = b; i < e; ++i) var += (x[i] - mean) * (x[i] - mean) / Real(e - b);
    m.w[c] = Real(e - b) / Real(n);
    m.mu[c] = mean;
    m.var[c] = std::max(var, var_floor);
  }
  std::vector<Real> r(n);  // responsibility of the upper component
  for (int iter = 0; iter < 1000; ++iter) {
    Real loglik = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const Real a = log_density(m, 0, x[i]), b = log_density(m, 1, x[i]), top = std::max(a, b);
      const Real lse = top + std::log(std::exp(a - top) + std::exp(b - top));
      r[i] = std::exp(b - lse);
      loglik += lse;
    }
    const bool converged = loglik - m.loglik < 1e-10 * std::abs(loglik);
    m.loglik = loglik;
    if (converged) break;
    for (int c = 0; c < 2; ++c) {
      Real nk = 0, mean = 0, var = 0;
      for (std::size_t i = 0; i < n; ++i) nk += c ? r[i] : 1 - r[i];
      if (nk < 1e-9) return m;  // a component emptied: keep the last proper fit
      for (std::size_t i = 0; i < n; ++i) mean += (c ? r[i] : 1 - r[i]) * x[i] / nk;
      for (std::size_t i = 0; i < n; ++i) var += (c ? r[i] : 1 - r[i]) * (x[i] - mean) * (x[i] - mean) / nk;
      m.w[c] = nk / Real(n);
      m.mu[c] = mean;
      m.var[c] = std::max(var, var_floor);
    }
  }
  if (m.mu[0] > m.mu[1]) {
    std::swap(m.w[0], m.w[1]);
    std::swap(m.mu[0], m.mu[1]);
    std::swap(m.var[0], m.var[1]);
  }
  return m;
}

}  // namespace

NormSplit split_norms(const Vector& norms) {
  const Index K = norms.size();
  NormSplit s;
  s.used.assign(std::size_t(K), true);
  if (K < 3) return s;
  // Log-norms; a dead element (norm 0) sits 12 decades below the largest norm, far below any
  // live one but not at −∞, so the mixture stays finite.
  const Real floor_norm = 1e-12 * std::max(norms.maxCoeff(), std::numeric_limits<Real>::min());
  std::vector<Real> x(static_cast<std::size_t>(K));
  for (Index k = 0; k < K; ++k) x[std::size_t(k)] = std::log(std::max(norms(k), floor_norm));
  std::sort(x.begin(), x.end());
  // Variances below a 1 % spread are not resolved (identical norms would make a component singular).
  const Real var_floor = 1e-4;
  std::size_t gap_at = 1;
  for (std::size_t i = 1; i < x.size(); ++i)
    if (x[i] - x[i - 1] > x[gap_at] - x[gap_at - 1]) gap_at = i;
  Mixture m = fit_two_gaussians(x, gap_at, var_floor);
  const Mixture at_median = fit_two_gaussians(x, x.size() / 2, var_floor);
  if (at_median.loglik > m.loglik) m = at_median;

  s.ashman_d = std::abs(m.mu[1] - m.mu[0]) * std::sqrt(2 / (m.var[0] + m.var[1]));
  s.mode_ratio = std::exp(m.mu[1] - m.mu[0]);
  s.weight_upper = m.w[1];
  // Where the weighted densities cross between the means (log-density difference, bisection);
  // the geometric middle if they do not cross there.
  const auto diff = [&](Real v) { return log_density(m, 1, v) - log_density(m, 0, v); };
  Real lo = m.mu[0], hi = m.mu[1], cut = 0.5 * (lo + hi);
  if (diff(lo) < 0 && diff(hi) > 0) {
    for (int i = 0; i < 200 && hi - lo > 1e-14; ++i) (diff(0.5 * (lo + hi)) > 0 ? hi : lo) = 0.5 * (lo + hi);
    cut = 0.5 * (lo + hi);
  }
  Index upper = 0;
  for (Index k = 0; k < K; ++k) upper += std::log(std::max(norms(k), floor_norm)) > cut;
  s.bimodal = s.ashman_d >= NormSplit::kMinAshmanD && s.mode_ratio >= NormSplit::kMinModeRatio && upper >= 2;
  if (s.bimodal) {
    s.threshold = std::exp(cut);
    for (Index k = 0; k < K; ++k) s.used[std::size_t(k)] = std::log(std::max(norms(k), floor_norm)) > cut;
  }
  return s;
}

DictionaryQuality evaluate_dictionary(const Matrix& A_model, const Matrix& A_pixels, Index patch_rows,
                                      Index patch_cols, const DictionaryQualityOptions& o) {
  const Index K = A_model.cols();
  require(K > 0, "the dictionary has no elements; pass a trained dictionary.");
  require(A_pixels.cols() == K, "the pixel-space dictionary has " + std::to_string(A_pixels.cols()) +
                                    " elements but the learned one " + std::to_string(K) +
                                    "; pass the same dictionary in both coordinates.");
  require(patch_rows > 0 && patch_cols > 0 && A_pixels.rows() == patch_rows * patch_cols,
          "the dictionary's elements have " + std::to_string(A_pixels.rows()) + " pixels, not " +
              std::to_string(patch_rows) + " x " + std::to_string(patch_cols) + "; pass the right patch shape.");
  require(A_model.allFinite() && A_pixels.allFinite(), "the dictionary holds NaN or infinity; re-create the run.");
  require(o.r2_threshold <= 1, "the R^2 threshold must be at most 1; pass e.g. --r2 0.7.");

  DictionaryQuality q;
  q.patch_rows = patch_rows;
  q.patch_cols = patch_cols;
  q.r2_threshold = o.r2_threshold;
  q.elements.resize(std::size_t(K));
  const Vector norms = A_model.colwise().norm().transpose();
  for_each_task(K, [&](Index k) {
    q.elements[std::size_t(k)].fit = fit_gabor(A_pixels.col(k), patch_rows, patch_cols, o.fit);
  });
  q.split = split_norms(norms);
  std::vector<Real> used_norms, used_r2, unused_norms;
  Real largest_unused = -1;
  Index gabor = 0;
  for (Index k = 0; k < K; ++k) {
    ElementQuality& e = q.elements[std::size_t(k)];
    e.norm = norms(k);
    e.used = q.split.used[std::size_t(k)];
    if (e.used) {
      used_norms.push_back(e.norm);
      used_r2.push_back(e.fit.r2);
      if (e.fit.r2 >= o.r2_threshold) ++gabor;
    } else {
      largest_unused = std::max(largest_unused, e.norm);
      unused_norms.push_back(e.norm);
    }
  }
  q.used = Index(used_norms.size());
  q.used_fraction = Real(q.used) / Real(K);
  q.gabor_fraction = Real(gabor) / Real(q.used);
  q.median_used_r2 = median(used_r2);
  q.median_used_norm = median(used_norms);
  q.unused_to_used_norm = largest_unused < 0 ? std::numeric_limits<Real>::quiet_NaN()
                                             : largest_unused / q.median_used_norm;
  q.median_unused_to_used_norm = unused_norms.empty() ? std::numeric_limits<Real>::quiet_NaN()
                                                      : median(unused_norms) / q.median_used_norm;
  return q;
}

}  // namespace lsc
