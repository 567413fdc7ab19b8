#pragma once
// How Gabor-like and how used a learned dictionary is (docs/evaluation.md, "Dictionary
// quality"): a 2-D Gabor fitted to every element (gabor_fit.hpp), and the split of the elements
// into used and unused by their norms. In LSC the dictionary is never normalized, and the
// elements the data do not need fade (the paper's Fig. 8): their norms then form a second, much
// lower mode. Results do not depend on the thread count.
#include <vector>

#include "lsc/core/types.hpp"
#include "lsc/eval/gabor_fit.hpp"

namespace lsc {

struct DictionaryQualityOptions {
  Real r2_threshold = 0.7;  // an element with R² ≥ this counts as Gabor-like
  GaborFitOptions fit;
};

// The used/unused split of a set of norms, at the largest gap between consecutive sorted
// log-norms. It is a real gap (bimodal) only when all of these hold:
//   (1) the norms across it differ by a factor ≥ 2 (kMinGapRatio): every unused element is
//       below half the smallest used one;
//   (2) it is ≥ 10 (kMinGapSpacings) times the median gap between consecutive log-norms: for a
//       smooth unimodal spread the largest of K−1 spacings is only about log2(K) times their
//       median (≈ 8 for K = 256, exponential spacings), so 10 is not reached by chance;
//   (3) it is ≥ 3 (kMinGapSpread) standard deviations of the used (upper) group's log-norms:
//       the used elements form a cluster, and the faded ones lie well outside it (a lone low
//       outlier in the tail of a wide unimodal spread does not);
//   and the upper group has at least two elements. Otherwise every element counts as used.
struct NormSplit {
  static constexpr Real kMinGapRatio = 2.0, kMinGapSpacings = 10.0, kMinGapSpread = 3.0;

  bool bimodal = false;
  Real threshold = 0;      // geometric middle of the gap when bimodal (used: norm > threshold), else 0
  Real gap_ratio = 1;      // the largest gap's ratio of norms (upper / lower), bimodal or not
  Real lower = 0, upper = 0;  // the norms on either side of the largest gap (0 when K < 2)
  std::vector<bool> used;  // per element
};

NormSplit split_norms(const Vector& norms);

struct ElementQuality {
  Real norm = 0;  // of the element as learned (the model's coordinates, e.g. PCA-whitened)
  bool used = true;
  GaborFit fit;   // of the element in pixel space
};

struct DictionaryQuality {
  Index patch_rows = 0, patch_cols = 0;
  Real r2_threshold = 0.7;
  std::vector<ElementQuality> elements;
  NormSplit split;
  Index used = 0;              // elements counted as used
  Real used_fraction = 0;      // used / K
  Real gabor_fraction = 0;     // of the used elements, the fraction with R² ≥ r2_threshold
  Real median_used_r2 = 0;
  Real median_used_norm = 0;
  Real unused_to_used_norm = 0;  // largest unused norm / median used norm; NaN when none is unused
};

// A_model: the dictionary as learned (D×K; its column norms decide used/unused). A_pixels: the
// same elements on the patch grid (patch_rows·patch_cols × K, row-major pixels; for PCA runs
// elements_in_pixel_space(A, recipe)), which the Gabors are fitted to. The per-element fits run
// in parallel on the core's threads (set_threads).
DictionaryQuality evaluate_dictionary(const Matrix& A_model, const Matrix& A_pixels, Index patch_rows,
                                      Index patch_cols, const DictionaryQualityOptions& options = {});

}  // namespace lsc
