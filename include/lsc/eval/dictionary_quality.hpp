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

// The used/unused split of a set of norms. A two-component Gaussian mixture is fitted to the
// log-norms by EM (deterministic starts: the largest gap and the median); the norms are called
// bimodal when the two components are clearly separated and far apart:
//   (1) Ashman's D = |μ_hi − μ_lo| √2 / √(s_hi² + s_lo²) ≥ 2 (kMinAshmanD): below 2 a mixture of
//       two Gaussians has no clean separation (Ashman, Bird & Zepf 1994), and the best
//       two-component fit of a single Gaussian stays below it;
//   (2) the components' typical norms e^μ differ by a factor ≥ 2 (kMinModeRatio): the faded
//       elements are at most half as large as the used ones;
//   (3) the upper (used) component holds at least two elements.
// The threshold is where the two weighted component densities cross between the means; elements
// above it are used. Otherwise every element counts as used. A mixture, not the largest gap
// between neighbours: in a dictionary still fading (Fig. 8 at 1.2 M steps) a few elements lie
// between the modes and fill every single gap, although the two modes are plain.
struct NormSplit {
  static constexpr Real kMinAshmanD = 2.0, kMinModeRatio = 2.0;

  bool bimodal = false;
  Real threshold = 0;       // where the components' weighted densities cross (bimodal), else 0
  Real ashman_d = 0;        // of the fitted mixture, bimodal or not
  Real mode_ratio = 1;      // e^(μ_hi − μ_lo): the typical used norm over the typical faded one
  Real weight_upper = 1;    // the mixture weight of the upper component
  std::vector<bool> used;   // per element
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
  Real median_unused_to_used_norm = 0;  // median unused norm / median used norm; NaN likewise
};

// A_model: the dictionary as learned (D×K; its column norms decide used/unused). A_pixels: the
// same elements on the patch grid (patch_rows·patch_cols × K, row-major pixels; for PCA runs
// elements_in_pixel_space(A, recipe)), which the Gabors are fitted to. The per-element fits run
// in parallel on the core's threads (set_threads).
DictionaryQuality evaluate_dictionary(const Matrix& A_model, const Matrix& A_pixels, Index patch_rows,
                                      Index patch_cols, const DictionaryQualityOptions& options = {});

}  // namespace lsc
