#pragma once
// A 2-D Gabor function fitted by least squares to one dictionary element drawn as a rows×cols
// image (docs/evaluation.md, "Dictionary quality"). The element is row-major, as the mosaics draw
// it: pixel (r, c) is element(r * cols + c); x is the column and y the row (downward), both 0 at
// the first pixel's centre. The model is
//
//   g(x, y) = a · exp(−x'²/(2σx²) − y'²/(2σy²)) · cos(2π f x' + φ),
//   x' =  (x − x0) cos θ + (y − y0) sin θ,   y' = −(x − x0) sin θ + (y − y0) cos θ,
//
// so θ is the direction of the carrier's wave vector (the stripes run along θ + π/2), σx the
// envelope's width across the stripes and σy along them. Levenberg-Marquardt with an analytic
// Jacobian from a fixed set of starts (spectral peaks × positions × widths): deterministic.
#include "lsc/core/types.hpp"

namespace lsc {

// The eight parameters, in the order of gabor_jacobian's columns.
struct GaborParams {
  Real x0 = 0, y0 = 0;    // centre, pixels (may lie up to a margin outside the patch)
  Real theta = 0;         // wave-vector direction, radians in [0, π) after a fit
  Real frequency = 0;     // cycles per pixel, in [0, 0.5]
  Real phase = 0;         // radians in (−π, π] after a fit
  Real sigma_x = 1;       // envelope standard deviation across the stripes (along x'), pixels
  Real sigma_y = 1;       // ... along the stripes (along y'), pixels
  Real amplitude = 0;     // ≥ 0 after a fit

  static constexpr int kCount = 8;
};

struct GaborFitOptions {
  int max_iterations = 200;  // Levenberg-Marquardt iterations per start
  Real tolerance = 1e-10;    // stop when an accepted step lowers the SSE by less than this fraction
  int spectral_peaks = 3;    // local maxima of the zero-padded power spectrum tried as carriers
  int padded_size = 32;      // the spectrum's grid, at least 4× the patch's larger side
};

struct GaborFit {
  GaborParams params;
  Real r2 = 0;    // 1 − SSE / Σ(e − mean e)²; 0 for an element without variance
  Real sse = 0;   // Σ (g − e)²
  int starts = 0; // starts tried
};

// The model on the rows×cols grid, row-major.
Vector gabor_image(const GaborParams& p, Index rows, Index cols);

// ∂g/∂(x0, y0, θ, f, φ, σx, σy, a): (rows·cols)×8, row-major pixels.
Matrix gabor_jacobian(const GaborParams& p, Index rows, Index cols);

// Fits the model to element (size rows·cols); the returned parameters are normalized: a ≥ 0,
// f ≥ 0, θ in [0, π) and φ in (−π, π] (θ + π with −φ is the same function). Bounds during the
// fit: σx, σy in [0.5, 2·max(rows, cols)], f in [0, 0.5], the centre within max(rows, cols)/4
// pixels of the patch. Throws Error if the size does not match or the element is not finite.
GaborFit fit_gabor(const Eigen::Ref<const Vector>& element, Index rows, Index cols,
                   const GaborFitOptions& options = {});

}  // namespace lsc
