#pragma once
// Whitening of natural images before sparse coding. Natural images have a ~1/f amplitude
// spectrum, so unwhitened data is dominated by a few low-frequency directions and gradient
// learning crawls along the rest. Two standard remedies:
//  - Olshausen & Field (1997): filter whole images with R(f) = |f|·exp(−(|f|/f0)⁴), which
//    flattens the 1/f spectrum (the |f| ramp) and then rolls off the noisy, aliased corners of
//    the rectangular frequency grid (the exp(−(f/f0)⁴) low-pass);
//  - SVAE §4.1 (Geadah et al.): PCA-whiten the patches, keeping only the lowest-frequency π/4
//    fraction of components (roughly the disc inscribed in the square Fourier grid).
// Patches are D×N matrices, one p×p patch per column, pixel (r, c) at index r·p + c.
#include <nlohmann/json.hpp>
#include <vector>

#include "lsc/core/types.hpp"
#include "lsc/io/images.hpp"

namespace lsc {

// The one grayscale image type: row-major pixels, as the loaders return them.
using GrayImage = io::Image;

// The Olshausen-Field filter R(f) = |f|·exp(−(|f|/cutoff)⁴), f and cutoff in cycles/pixel.
Real olshausen_filter(Real f, Real cutoff);

// Whitens one H×W image (Olshausen & Field 1997): subtracts the image mean, multiplies its
// discrete Fourier transform by R(|f|) on the image's own 2-D frequency grid
// (f_y = k_y/H, f_x = k_x/W cycles/pixel, so non-square images are fine), transforms back, and
// scales the result to zero mean and unit variance over the image (1/(H·W) normalization), so
// every whitened image enters patch sampling with the same contrast. The classic cutoff
// f0 = 0.4·N cycles/picture of an N×N image (Olshausen & Field's 200 cycles/picture at
// N = 512, their sparsenet code's f_0 = 0.4*N) is 0.4 cycles/pixel. The transform is
// periodic: an image whose opposite edges differ rings at its border (skip a border when
// sampling patches). Throws Error for an empty, mis-sized or non-finite image, a cutoff that is
// not positive, or a constant image.
GrayImage whiten_olshausen(const GrayImage& image, Real cutoff = 0.4);

// Mean power spectrum of images, binned by radial frequency |f| in [0, 0.5] cycles/pixel: bin b
// averages |DFT|²/(H·W) over all frequencies of all images with b ≤ |f|/0.5·bins < b + 1 (|f| =
// 0.5 in the last bin). The image mean is removed first and the DC term is left out; the
// corners |f| > 0.5 of the frequency grid are left out; bins with no frequency are NaN. With
// this normalization white noise of variance σ² has the flat spectrum σ².
std::vector<Real> radial_power_spectrum(const std::vector<GrayImage>& images, int bins);

// PCA or ZCA whitening of patches, fit on training patches and applied to new ones.
struct PcaWhitening {
  enum class Mode { pca, zca };
  Mode mode = Mode::pca;
  Vector mean;        // D, per-pixel mean of the training patches
  Matrix components;  // D×M, kept eigenvectors of the covariance (columns), by decreasing variance
  Vector variances;   // M eigenvalues of the (N − 1)-normalized covariance
  Real epsilon = 0;   // regularizer added to the variances before dividing by their roots

  // Fits on D×N training patches (N ≥ D) and keeps round(keep·D) ≥ 1 components, keep in (0, 1].
  // by_frequency = false keeps the largest-variance components; true keeps the ones of lowest
  // dominant spatial frequency (the mean of |k| weighted by the eigenvector's 2-D DFT power on
  // the p×p grid, D = p²; ties by variance), which for SVAE §4.1 with keep = π/4 removes the
  // high-frequency corners of Fourier space even where their variance is not the smallest.
  static PcaWhitening fit(const Matrix& patches, Mode mode, Real keep, bool by_frequency,
                          Real epsilon = 1e-8);

  // D×N → M×N (pca: diag(variances + ε)^(−1/2)·componentsᵀ·(x − mean)) or D×N (zca: the pca
  // result rotated back by components, a symmetric map that keeps patches looking like images).
  Matrix apply(const Matrix& patches) const;
  // Back to pixel space, for display: the exact inverse of apply when all D components are kept,
  // otherwise mean + the projection onto the kept components.
  Matrix invert(const Matrix& whitened) const;

  // Doubles are written with round-trip precision, so from_json(to_json(w)) == w exactly.
  nlohmann::json to_json() const;
  static PcaWhitening from_json(const nlohmann::json& json);

  Index input_dim() const { return mean.size(); }
  Index output_dim() const { return mode == Mode::pca ? components.cols() : components.rows(); }
};

// Each column minus its own mean (removes per-patch brightness).
void remove_patch_means(Matrix& patches);
// Each column divided by its standard deviation about its mean (1/D normalization), so it has
// unit variance (its mean is scaled too: call remove_patch_means first for zero mean). Columns
// whose variance is zero up to rounding are left as is.
void normalize_patch_variance(Matrix& patches);

}  // namespace lsc
