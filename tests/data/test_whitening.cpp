#include "lsc/data/whitening.hpp"

#include <fftw3.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

#include "lsc/core/error.hpp"

// No BSDS300 test here: the library has no image loader yet (the lead adds one later).

namespace {

using lsc::GrayImage;
using lsc::Index;
using lsc::Matrix;
using lsc::PcaWhitening;
using lsc::Real;
using lsc::Vector;
using Mode = PcaWhitening::Mode;
constexpr Real pi = std::numbers::pi;

Real signed_frequency(int k, int n) { return Real(k <= n / 2 ? k : k - n) / n; }

// Gaussian random fields with the 1/|f| amplitude spectrum of natural images (Olshausen & Field
// 1997): white noise, its DFT multiplied by 1/|f| (DC removed), transformed back. Every Fourier
// coefficient is then complex Gaussian with random phase and mean power ∝ 1/|f|².
std::vector<GrayImage> pink_images(int count, int height, int width, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<Real> normal;
  const int half = width / 2 + 1;
  std::vector<Real> real(std::size_t(height) * width);
  std::vector<fftw_complex> spectrum(std::size_t(height) * half);
  fftw_plan forward = fftw_plan_dft_r2c_2d(height, width, real.data(), spectrum.data(), FFTW_ESTIMATE);
  fftw_plan backward = fftw_plan_dft_c2r_2d(height, width, spectrum.data(), real.data(), FFTW_ESTIMATE);
  std::vector<GrayImage> images;
  for (int i = 0; i < count; ++i) {
    for (Real& x : real) x = normal(rng);
    fftw_execute(forward);
    for (int ky = 0; ky < height; ++ky)
      for (int kx = 0; kx < half; ++kx) {
        const Real f = std::hypot(signed_frequency(ky, height), Real(kx) / width);
        const Real gain = f == 0 ? 0 : 1 / f;
        spectrum[std::size_t(ky) * half + kx][0] *= gain;
        spectrum[std::size_t(ky) * half + kx][1] *= gain;
      }
    fftw_execute(backward);
    images.push_back({height, width, real});
  }
  fftw_destroy_plan(forward);
  fftw_destroy_plan(backward);
  return images;
}

// Per radial bin (the binning documented for radial_power_spectrum): how many frequencies of the
// full H×W grid fall in it, and their mean of a given function of |f|.
struct BinGrid {
  std::vector<Real> count, mean_of;
};
template <class F>
BinGrid bin_grid(int height, int width, int bins, F function) {
  BinGrid grid{std::vector<Real>(bins, 0), std::vector<Real>(bins, 0)};
  for (int ky = 0; ky < height; ++ky)
    for (int kx = 0; kx < width; ++kx) {
      const Real f = std::hypot(signed_frequency(ky, height), signed_frequency(kx, width));
      if (f == 0 || f > 0.5) continue;
      const int b = std::min(int(f / 0.5 * bins), bins - 1);
      grid.count[b] += 1;
      grid.mean_of[b] += function(f);
    }
  for (int b = 0; b < bins; ++b) grid.mean_of[b] /= grid.count[b];
  return grid;
}

// Largest |deviation| from flat, in units of its tolerance, of spectrum / expected_shape over the
// bins inside [lo, hi]. The tolerance of bin b is 4 relative standard errors: a bin averages
// count_b/2 independent complex Gaussian coefficients per image (the rest are their conjugates),
// each of exponentially distributed power (relative SD 1), so its relative SE is
// 1/√(images·count_b/2). The level is the mean ratio over the band (unknown overall scale).
Real worst_flatness(const std::vector<Real>& spectrum, const BinGrid& grid, int images, Real lo, Real hi,
                    Real* worst_percent = nullptr, Real* tolerance_percent = nullptr) {
  const int bins = int(spectrum.size());
  std::vector<int> band;
  for (int b = 0; b < bins; ++b)
    if (b * 0.5 / bins >= lo - 1e-12 && (b + 1) * 0.5 / bins <= hi + 1e-12) band.push_back(b);
  Real level = 0;
  for (int b : band) level += spectrum[b] / grid.mean_of[b] / band.size();
  Real worst = 0, worst_dev = 0, widest = 0;
  for (int b : band) {
    const Real deviation = spectrum[b] / grid.mean_of[b] / level - 1;
    const Real tolerance = 4 / std::sqrt(images * grid.count[b] / 2);
    worst = std::max(worst, std::abs(deviation) / tolerance);
    worst_dev = std::max(worst_dev, std::abs(deviation));
    widest = std::max(widest, tolerance);
  }
  if (worst_percent) *worst_percent = 100 * worst_dev;
  if (tolerance_percent) *tolerance_percent = 100 * widest;
  return worst;
}

TEST(OlshausenWhitening, FilterShape) {
  const Real f0 = 0.2;
  EXPECT_EQ(lsc::olshausen_filter(0, f0), 0);
  EXPECT_NEAR(lsc::olshausen_filter(f0, f0), f0 / std::exp(1.0), 1e-15);
  EXPECT_EQ(lsc::olshausen_filter(-0.1, f0), lsc::olshausen_filter(0.1, f0));
  // Peak where d/df [f·exp(−(f/f0)⁴)] = 0, i.e. f = f0/√2.
  const Real peak = f0 / std::sqrt(2.0);
  EXPECT_GT(lsc::olshausen_filter(peak, f0), lsc::olshausen_filter(peak + 1e-3, f0));
  EXPECT_GT(lsc::olshausen_filter(peak, f0), lsc::olshausen_filter(peak - 1e-3, f0));
  EXPECT_THROW(lsc::olshausen_filter(0.1, 0), lsc::Error);
}

// On a non-square grid each cosine is an eigenfunction of the filter: whitening scales it by
// R(|f|) with f = (k_y/H, k_x/W) and the default cutoff 0.4, then the whole image is scaled to
// unit variance.
TEST(OlshausenWhitening, ScalesCosinesByTheFilterOnANonSquareGrid) {
  const int h = 48, w = 80;
  const Real f1 = std::hypot(3.0 / h, 5.0 / w), f2 = 7.0 / h;
  GrayImage image{h, w, std::vector<Real>(h * w)};
  std::vector<Real> expected(h * w);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) {
      const Real a = std::cos(2 * pi * (3.0 * r / h + 5.0 * c / w)), b = std::cos(2 * pi * 7.0 * r / h);
      image.pixels[r * w + c] = 10 + 2 * a + 0.5 * b;
      expected[r * w + c] = 2 * lsc::olshausen_filter(f1, 0.4) * a + 0.5 * lsc::olshausen_filter(f2, 0.4) * b;
    }
  Real sum_sq = 0;
  for (Real x : expected) sum_sq += x * x;
  const Real scale = 1 / std::sqrt(sum_sq / (h * w));
  const GrayImage white = lsc::whiten_olshausen(image);
  ASSERT_EQ(white.height, h);
  ASSERT_EQ(white.width, w);
  Real mean = 0, var = 0;
  for (int i = 0; i < h * w; ++i) {
    EXPECT_NEAR(white.pixels[i], scale * expected[i], 1e-12);
    mean += white.pixels[i] / (h * w);
    var += white.pixels[i] * white.pixels[i] / (h * w);
  }
  EXPECT_NEAR(mean, 0, 1e-12);
  EXPECT_NEAR(var, 1, 1e-12);
}

TEST(OlshausenWhitening, PowerSpectrumOfWhiteNoiseIsItsVariance) {
  const int count = 8, size = 128, bins = 20;
  std::mt19937_64 rng(7);
  std::normal_distribution<Real> normal(0, 2);
  std::vector<GrayImage> images(count, GrayImage{size, size, std::vector<Real>(size * size)});
  for (GrayImage& image : images)
    for (Real& x : image.pixels) x = normal(rng);
  const auto spectrum = lsc::radial_power_spectrum(images, bins);
  const BinGrid grid = bin_grid(size, size, bins, [](Real) { return 1.0; });
  for (int b = 1; b < bins; ++b)  // bin 0 lacks the DC term and has few frequencies
    EXPECT_NEAR(spectrum[b] / 4, 1, 4 / std::sqrt(count * grid.count[b] / 2)) << "bin " << b;
}

// The defining property (Olshausen & Field 1997): R(f) = |f|·exp(−(f/f0)⁴) turns the 1/f
// amplitude spectrum of natural images into the flat spectrum exp(−2(f/f0)⁴) ≈ const of the
// pass band. We divide out that known roll-off exactly (its mean over each bin's grid points) and
// require flatness within 4 standard errors per bin over f in [0.02, 0.6·f0].
TEST(OlshausenWhitening, FlattensTheOneOverFSpectrum) {
  const int count = 64, size = 256, bins = 50;
  const Real cutoff = 0.2, lo = 0.02, hi = 0.6 * cutoff;
  const auto raw = pink_images(count, size, size, 2024);
  std::vector<GrayImage> white;
  for (const GrayImage& image : raw) white.push_back(lsc::whiten_olshausen(image, cutoff));
  const BinGrid grid = bin_grid(size, size, bins, [&](Real f) { return std::exp(-2 * std::pow(f / cutoff, 4)); });

  Real deviation = 0, tolerance = 0;
  const Real white_score =
      worst_flatness(lsc::radial_power_spectrum(white, bins), grid, count, lo, hi, &deviation, &tolerance);
  std::cout << "whitened: worst deviation " << deviation << " % (worst " << white_score
            << " of its tolerance; widest tolerance ±" << tolerance << " %)\n";
  EXPECT_LT(white_score, 1);

  // The same check must reject the unwhitened 1/f² spectrum.
  const Real raw_score = worst_flatness(lsc::radial_power_spectrum(raw, bins), grid, count, lo, hi, &deviation);
  std::cout << "unwhitened: worst deviation " << deviation << " % (" << raw_score << " tolerances)\n";
  EXPECT_GT(raw_score, 10);
}

TEST(OlshausenWhitening, RejectsBadInput) {
  EXPECT_THROW(lsc::whiten_olshausen(GrayImage{}), lsc::Error);
  EXPECT_THROW(lsc::whiten_olshausen(GrayImage{2, 3, std::vector<Real>(5)}), lsc::Error);
  GrayImage image{4, 4, std::vector<Real>(16, 1.0)};
  EXPECT_THROW(lsc::whiten_olshausen(image), lsc::Error);  // constant
  image.pixels[3] = 2;
  EXPECT_THROW(lsc::whiten_olshausen(image, -0.1), lsc::Error);
  EXPECT_NO_THROW(lsc::whiten_olshausen(image));
  image.pixels[5] = std::numeric_limits<Real>::quiet_NaN();
  EXPECT_THROW(lsc::whiten_olshausen(image), lsc::Error);
  EXPECT_THROW(lsc::radial_power_spectrum({}, 10), lsc::Error);
}

// p×p patches (D = p²) of a periodic stationary Gaussian field with power spectrum S(k): x = G·z + m
// with G the symmetric circulant square root of the covariance, so the covariance eigenvectors
// are the Fourier modes with variances S(k). A non-constant mean m exercises mean handling.
constexpr int p = 8, d = p * p;
template <class S>
Matrix field_patches(Index count, std::uint64_t seed, S spectrum) {
  Matrix g(d, d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) {
      const int dr = i / p - j / p, dc = i % p - j % p;
      Real sum = 0;
      for (int ky = 0; ky < p; ++ky)
        for (int kx = 0; kx < p; ++kx)
          sum += std::sqrt(spectrum(ky, kx)) * std::cos(2 * pi * (ky * dr + kx * dc) / p);
      g(i, j) = sum / d;
    }
  std::mt19937_64 rng(seed);
  std::normal_distribution<Real> normal;
  Matrix z(d, count);
  for (Index i = 0; i < z.size(); ++i) z.data()[i] = normal(rng);
  return (g * z).colwise() + Vector::LinSpaced(d, -1, 1);
}
Real pink_spectrum(int ky, int kx) {
  const Real f = std::hypot(signed_frequency(ky, p), signed_frequency(kx, p));
  return 1 / (f * f + 0.01);
}

// Covariance of whitened fresh data: with whitening fit on N₁ patches and applied to N₂ others,
// every entry is that of a product of two independent Wishart fluctuations, so it deviates from
// δ_ij with SD √((1 + δ_ij)(1/N₁ + 1/N₂)) to first order, whatever the data covariance.
void expect_identity_covariance(const Matrix& y, Index n_fit) {
  const Matrix centered = y.colwise() - y.rowwise().mean();
  const Matrix cov = centered * centered.transpose() / Real(y.cols() - 1);
  const Real se = std::sqrt(1.0 / n_fit + 1.0 / y.cols());
  for (Index i = 0; i < cov.rows(); ++i)
    for (Index j = 0; j < cov.cols(); ++j)
      ASSERT_NEAR(cov(i, j), i == j ? 1 : 0, 5 * se * (i == j ? std::sqrt(2.0) : 1)) << i << ", " << j;
}

TEST(PcaWhitening, WhitensFreshPatchesToIdentityCovariance) {
  const Index n = 20000;
  const Matrix train = field_patches(n, 1, pink_spectrum), test = field_patches(n, 2, pink_spectrum);
  for (Mode mode : {Mode::pca, Mode::zca}) {
    const auto w = PcaWhitening::fit(train, mode, 1, false);
    ASSERT_EQ(w.input_dim(), d);
    ASSERT_EQ(w.output_dim(), d);
    expect_identity_covariance(w.apply(test), n);
  }
  // Keeping fewer components whitens the kept subspace.
  const auto w = PcaWhitening::fit(train, Mode::pca, std::numbers::pi / 4, true);
  ASSERT_EQ(w.output_dim(), 50);  // round(64·π/4)
  expect_identity_covariance(w.apply(test), n);
}

TEST(PcaWhitening, InvertUndoesApplyAndZcaIsSymmetric) {
  const Matrix train = field_patches(2000, 3, pink_spectrum), x = field_patches(50, 4, pink_spectrum);
  for (Mode mode : {Mode::pca, Mode::zca}) {
    const auto w = PcaWhitening::fit(train, mode, 1, false);
    EXPECT_LT((w.invert(w.apply(x)) - x).cwiseAbs().maxCoeff(), 1e-10 * x.cwiseAbs().maxCoeff());
  }
  const auto zca = PcaWhitening::fit(train, Mode::zca, 1, false);
  const Matrix map = zca.apply(zca.mean.replicate(1, d) + Matrix::Identity(d, d));  // the linear map
  EXPECT_LT((map - map.transpose()).cwiseAbs().maxCoeff(), 1e-10 * map.cwiseAbs().maxCoeff());
}

// SVAE §4.1: keep the lowest-frequency components. The field here has a strong checkerboard
// (k = (½, ½)), the highest-variance direction, so variance order keeps it and frequency order
// must drop it; a low-frequency cosine (k = (0, 1/8)) survives keep = 0.25 either way.
TEST(PcaWhitening, ByFrequencyKeepsLowFrequencies) {
  const Matrix train = field_patches(20000, 5, [](int ky, int kx) {
    return pink_spectrum(ky, kx) + (ky == p / 2 && kx == p / 2 ? 1000 : 0);
  });
  Vector cosine(d), checkerboard(d);
  for (int r = 0; r < p; ++r)
    for (int c = 0; c < p; ++c) {
      cosine(r * p + c) = std::cos(2 * pi * c / p);
      checkerboard(r * p + c) = (r + c) % 2 ? -1 : 1;
    }
  auto kept_part = [](const PcaWhitening& w, const Vector& v) -> Vector {
    return w.invert(w.apply(w.mean + v)) - w.mean;
  };
  const auto low = PcaWhitening::fit(train, Mode::pca, 0.25, true);
  ASSERT_EQ(low.output_dim(), 16);
  EXPECT_LT((kept_part(low, cosine) - cosine).norm() / cosine.norm(), 0.05);
  EXPECT_LT(kept_part(low, checkerboard).norm() / checkerboard.norm(), 0.05);

  const auto high_variance = PcaWhitening::fit(train, Mode::pca, 0.25, false);
  EXPECT_LT((kept_part(high_variance, cosine) - cosine).norm() / cosine.norm(), 0.05);
  EXPECT_LT((kept_part(high_variance, checkerboard) - checkerboard).norm() / checkerboard.norm(), 0.05);
}

TEST(PcaWhitening, JsonRoundTripIsExact) {
  const Matrix train = field_patches(1000, 6, pink_spectrum);
  for (Mode mode : {Mode::pca, Mode::zca}) {
    const auto w = PcaWhitening::fit(train, mode, std::numbers::pi / 4, true, 1e-6);
    const auto back = PcaWhitening::from_json(nlohmann::json::parse(w.to_json().dump()));
    EXPECT_EQ(back.mode, w.mode);
    EXPECT_EQ(back.epsilon, w.epsilon);
    EXPECT_EQ(back.mean, w.mean);
    EXPECT_EQ(back.variances, w.variances);
    EXPECT_EQ(back.components, w.components);
  }
  auto json = PcaWhitening::fit(train, Mode::pca, 1, false).to_json();
  json["mode"] = "pcb";
  EXPECT_THROW(PcaWhitening::from_json(json), lsc::Error);
  json.erase("mode");
  EXPECT_THROW(PcaWhitening::from_json(json), lsc::Error);
}

TEST(PcaWhitening, RejectsBadInput) {
  const Matrix train = field_patches(200, 7, pink_spectrum);
  for (Real keep : {0.0, -0.5, 1.5, std::numeric_limits<Real>::quiet_NaN()})
    EXPECT_THROW(PcaWhitening::fit(train, Mode::pca, keep, false), lsc::Error) << keep;
  EXPECT_THROW(PcaWhitening::fit(train.leftCols(d - 1), Mode::pca, 1, false), lsc::Error);  // N < D
  Matrix bad = train;
  bad(3, 5) = std::numeric_limits<Real>::quiet_NaN();
  EXPECT_THROW(PcaWhitening::fit(bad, Mode::pca, 1, false), lsc::Error);
  EXPECT_THROW(PcaWhitening::fit(train.topRows(10), Mode::pca, 1, true), lsc::Error);  // not p×p
  const auto w = PcaWhitening::fit(train, Mode::pca, 0.5, false);
  EXPECT_THROW(w.apply(bad), lsc::Error);
  EXPECT_THROW(w.apply(train.topRows(10)), lsc::Error);
  EXPECT_THROW(w.invert(train), lsc::Error);  // D rows, but pca outputs M = 32
  try {
    PcaWhitening::fit(train, Mode::pca, 2, false);
  } catch (const lsc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("(0, 1]"), std::string::npos);
  }
}

TEST(PatchNormalization, MeansAndVariances) {
  Matrix x(4, 3);
  x << 1, 5, 2,  //
      2, 5, 4,   //
      3, 5, 6,   //
      6, 5, 8;
  Matrix centered = x;
  lsc::remove_patch_means(centered);
  EXPECT_LT(centered.colwise().mean().cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_EQ(centered.col(1), Vector::Zero(4));
  lsc::normalize_patch_variance(centered);
  EXPECT_NEAR(centered.col(0).squaredNorm() / 4, 1, 1e-14);
  EXPECT_NEAR(centered.col(2).squaredNorm() / 4, 1, 1e-14);
  EXPECT_EQ(centered.col(1), Vector::Zero(4));  // zero variance: left as is
  Matrix constant = Matrix::Constant(4, 2, 0.1);
  lsc::normalize_patch_variance(constant);
  EXPECT_EQ(constant, Matrix::Constant(4, 2, 0.1));
  constant(0, 0) = std::numeric_limits<Real>::infinity();
  EXPECT_THROW(lsc::remove_patch_means(constant), lsc::Error);
}

}  // namespace
