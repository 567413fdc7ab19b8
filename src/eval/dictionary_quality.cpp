#include "lsc/eval/dictionary_quality.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"

namespace lsc {

namespace {

Real median(std::vector<Real> v) {
  if (v.empty()) return std::numeric_limits<Real>::quiet_NaN();
  const std::size_t h = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + h, v.end());
  if (v.size() % 2) return v[h];
  return 0.5 * (v[h] + *std::max_element(v.begin(), v.begin() + h));
}

}  // namespace

NormSplit split_norms(const Vector& norms) {
  const Index K = norms.size();
  NormSplit s;
  s.used.assign(std::size_t(K), true);
  if (K < 2) return s;
  // Sorted log-norms; an exactly zero norm sits far below any real one (log of the smallest
  // normal double), which is where a dead element belongs.
  std::vector<Index> order(static_cast<std::size_t>(K));
  std::iota(order.begin(), order.end(), Index(0));
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return norms(a) < norms(b); });
  std::vector<Real> l(static_cast<std::size_t>(K));
  for (Index i = 0; i < K; ++i)
    l[std::size_t(i)] = std::log(std::max(norms(order[std::size_t(i)]), std::numeric_limits<Real>::min()));
  std::vector<Real> gaps(static_cast<std::size_t>(K - 1));
  for (Index i = 0; i + 1 < K; ++i) gaps[std::size_t(i)] = l[std::size_t(i + 1)] - l[std::size_t(i)];
  // The largest gap, the first of equal ones.
  const Index at = Index(std::max_element(gaps.begin(), gaps.end()) - gaps.begin());
  const Real gap = gaps[std::size_t(at)];
  s.lower = norms(order[std::size_t(at)]);
  s.upper = norms(order[std::size_t(at + 1)]);
  s.gap_ratio = std::exp(gap);
  const Index n_upper = K - at - 1;
  // Criterion (header): ratio ≥ 2, ≥ 10 median spacings, ≥ 3 sd of the upper group, ≥ 2 above.
  Real mean = 0, var = 0;
  for (Index i = at + 1; i < K; ++i) mean += l[std::size_t(i)];
  mean /= Real(n_upper);
  for (Index i = at + 1; i < K; ++i) var += (l[std::size_t(i)] - mean) * (l[std::size_t(i)] - mean);
  const Real sd_upper = n_upper > 1 ? std::sqrt(var / Real(n_upper - 1)) : 0;
  const Real spacing = median(gaps);
  s.bimodal = K >= 3 && n_upper >= 2 && gap >= std::log(NormSplit::kMinGapRatio) &&
              gap >= NormSplit::kMinGapSpacings * spacing && gap >= NormSplit::kMinGapSpread * sd_upper;
  if (s.bimodal) {
    s.threshold = std::sqrt(s.lower * s.upper);
    for (Index i = 0; i <= at; ++i) s.used[std::size_t(order[std::size_t(i)])] = false;
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
  std::vector<Real> used_norms, used_r2;
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
    }
  }
  q.used = Index(used_norms.size());
  q.used_fraction = Real(q.used) / Real(K);
  q.gabor_fraction = Real(gabor) / Real(q.used);
  q.median_used_r2 = median(used_r2);
  q.median_used_norm = median(used_norms);
  q.unused_to_used_norm = largest_unused < 0 ? std::numeric_limits<Real>::quiet_NaN()
                                             : largest_unused / q.median_used_norm;
  return q;
}

}  // namespace lsc
