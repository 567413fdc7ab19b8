#include "lsc/data/whitening.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>

#include "lsc/core/error.hpp"

namespace lsc {
namespace {

constexpr Real pi = 3.14159265358979323846;

// FFTW's planner is not thread-safe (only fftw_execute is), so planning and destruction share a lock.
std::mutex& fftw_planner_mutex() {
  static std::mutex mutex;
  return mutex;
}

// A real H×W image and its half spectrum H×(W/2 + 1) (r2c layout), with both transforms
// planned once per size. FFTW transforms are unnormalized: backward(forward(x)) = H·W·x.
class Fft2d {
 public:
  Fft2d(int height, int width)
      : height_(height), width_(width), half_width_(width / 2 + 1),
        real_(fftw_alloc_real(std::size_t(height) * width)),
        spectrum_(fftw_alloc_complex(std::size_t(height) * half_width_)) {
    std::lock_guard lock(fftw_planner_mutex());
    forward_ = fftw_plan_dft_r2c_2d(height, width, real_, spectrum_, FFTW_ESTIMATE);
    backward_ = fftw_plan_dft_c2r_2d(height, width, spectrum_, real_, FFTW_ESTIMATE);
  }
  ~Fft2d() {
    std::lock_guard lock(fftw_planner_mutex());
    fftw_destroy_plan(forward_);
    fftw_destroy_plan(backward_);
    fftw_free(real_);
    fftw_free(spectrum_);
  }
  Fft2d(const Fft2d&) = delete;
  Fft2d& operator=(const Fft2d&) = delete;

  int height() const { return height_; }
  int width() const { return width_; }
  int half_width() const { return half_width_; }
  double* real() { return real_; }
  fftw_complex* spectrum() { return spectrum_; }
  void forward() { fftw_execute(forward_); }
  void backward() { fftw_execute(backward_); }  // overwrites the spectrum

  // |f| in cycles/pixel of half-spectrum entry (ky, kx); ky above H/2 are negative frequencies.
  Real radial_frequency(int ky, int kx) const {
    const Real fy = Real(ky <= height_ / 2 ? ky : ky - height_) / height_;
    const Real fx = Real(kx) / width_;
    return std::hypot(fy, fx);
  }
  // How many entries of the full spectrum half-spectrum column kx stands for: the r2c output
  // omits the conjugate-symmetric columns, all but kx = 0 and (for even W) kx = W/2.
  int multiplicity(int kx) const { return kx == 0 || 2 * kx == width_ ? 1 : 2; }

 private:
  int height_, width_, half_width_;
  double* real_;
  fftw_complex* spectrum_;
  fftw_plan forward_ = nullptr, backward_ = nullptr;
};

void check_cutoff(Real cutoff) {
  require(cutoff > 0 && std::isfinite(cutoff),
          "The whitening cutoff must be a positive number of cycles/pixel; the classic choice is 0.4.");
}

void check_image(const GrayImage& image) {
  require(image.height > 0 && image.width > 0,
          "An image is empty; give it a positive height and width.");
  require(image.pixels.size() == std::size_t(image.height) * std::size_t(image.width),
          "The image's pixel count " + std::to_string(image.pixels.size()) + " is not height × width = " +
              std::to_string(image.height) + " × " + std::to_string(image.width) +
              "; fix its size or its pixels.");
  require(std::all_of(image.pixels.begin(), image.pixels.end(), [](Real x) { return std::isfinite(x); }),
          "The image has a NaN or infinite pixel; clean the image before whitening it.");
}

// Copies the image minus its mean into fft.real(); returns false for a constant image (nothing
// but rounding is left after subtracting the mean).
bool load_centered(const GrayImage& image, Fft2d& fft) {
  const std::size_t n = image.pixels.size();
  const Real mean = std::accumulate(image.pixels.begin(), image.pixels.end(), Real(0)) / Real(n);
  Real largest = 0, largest_deviation = 0;
  for (std::size_t i = 0; i < n; ++i) {
    fft.real()[i] = image.pixels[i] - mean;
    largest = std::max(largest, std::abs(image.pixels[i]));
    largest_deviation = std::max(largest_deviation, std::abs(fft.real()[i]));
  }
  return largest_deviation > 64 * std::numeric_limits<Real>::epsilon() * largest;
}

// Dominant spatial frequency of a p×p patch vector (row-major): the mean of |k| in
// cycles/pixel weighted by its 2-D DFT power. The DFT is the separable product F·V·Fᵀ.
Real dominant_frequency(const Vector& v, int p) {
  using Complex = std::complex<Real>;
  Eigen::Matrix<Complex, Eigen::Dynamic, Eigen::Dynamic> dft(p, p);
  for (int j = 0; j < p; ++j)
    for (int k = 0; k < p; ++k) dft(j, k) = std::polar(Real(1), -2 * pi * Real((j * k) % p) / p);
  // Map is column-major, so the row-major patch appears transposed; |k| is symmetric in (ky, kx).
  const Matrix patch = Eigen::Map<const Matrix>(v.data(), p, p);
  const Matrix power = (dft * patch.cast<Complex>() * dft.transpose()).cwiseAbs2();
  Real weighted = 0;
  for (int j = 0; j < p; ++j)
    for (int k = 0; k < p; ++k) {
      const Real fj = Real(j <= p / 2 ? j : j - p) / p, fk = Real(k <= p / 2 ? k : k - p) / p;
      weighted += std::hypot(fj, fk) * power(j, k);
    }
  return weighted / power.sum();
}

const char* mode_name(PcaWhitening::Mode mode) { return mode == PcaWhitening::Mode::pca ? "pca" : "zca"; }

}  // namespace

Real olshausen_filter(Real f, Real cutoff) {
  check_cutoff(cutoff);
  const Real r = std::abs(f) / cutoff;
  return std::abs(f) * std::exp(-(r * r) * (r * r));
}

GrayImage whiten_olshausen(const GrayImage& image, Real cutoff) {
  check_image(image);
  check_cutoff(cutoff);
  Fft2d fft(image.height, image.width);
  require(load_centered(image, fft), "the image is constant, so whitening has nothing to scale to unit "
                                     "variance; leave constant images out.");
  fft.forward();
  for (int ky = 0; ky < fft.height(); ++ky)
    for (int kx = 0; kx < fft.half_width(); ++kx) {
      const Real gain = olshausen_filter(fft.radial_frequency(ky, kx), cutoff);
      fftw_complex& c = fft.spectrum()[std::size_t(ky) * fft.half_width() + kx];
      c[0] *= gain;
      c[1] *= gain;
    }
  fft.backward();

  // R(0) = 0 removes the mean again, but rounding leaves a trace: subtract it before scaling.
  GrayImage out{image.height, image.width, std::vector<Real>(fft.real(), fft.real() + image.pixels.size())};
  const Real n = Real(out.pixels.size());
  const Real mean = std::accumulate(out.pixels.begin(), out.pixels.end(), Real(0)) / n;
  Real sum_sq = 0;
  for (Real& x : out.pixels) {
    x -= mean;
    sum_sq += x * x;
  }
  require(sum_sq > 0, "The whitening cutoff is so low that the filter removes every frequency of the "
                      "image; raise the cutoff.");
  const Real scale = 1 / std::sqrt(sum_sq / n);
  for (Real& x : out.pixels) x *= scale;
  return out;
}

std::vector<Real> radial_power_spectrum(const std::vector<GrayImage>& images, int bins) {
  require(bins > 0, "The power spectrum needs at least one bin; pass bins > 0.");
  require(!images.empty(), "The power spectrum needs at least one image; pass a non-empty image list.");
  std::vector<Real> sum(bins, 0), count(bins, 0);
  std::unique_ptr<Fft2d> fft;
  for (const GrayImage& image : images) {
    check_image(image);
    if (!fft || fft->height() != image.height || fft->width() != image.width)
      fft = std::make_unique<Fft2d>(image.height, image.width);
    load_centered(image, *fft);
    fft->forward();
    const Real norm = Real(image.height) * image.width;
    for (int ky = 0; ky < fft->height(); ++ky)
      for (int kx = 0; kx < fft->half_width(); ++kx) {
        const Real f = fft->radial_frequency(ky, kx);
        if (f == 0 || f > 0.5) continue;
        const int b = std::min(int(f / 0.5 * bins), bins - 1);
        const fftw_complex& c = fft->spectrum()[std::size_t(ky) * fft->half_width() + kx];
        const int m = fft->multiplicity(kx);
        sum[b] += m * (c[0] * c[0] + c[1] * c[1]) / norm;
        count[b] += m;
      }
  }
  for (int b = 0; b < bins; ++b)
    sum[b] = count[b] > 0 ? sum[b] / count[b] : std::numeric_limits<Real>::quiet_NaN();
  return sum;
}

PcaWhitening PcaWhitening::fit(const Matrix& patches, Mode mode, Real keep, bool by_frequency, Real epsilon) {
  const Index d = patches.rows(), n = patches.cols();
  require(d > 0, "The whitening fit got patches of dimension 0; pass a D×N matrix with D ≥ 1.");
  require(keep > 0 && keep <= 1, "The fraction of whitening components to keep must lie in (0, 1]; "
                                 "SVAE §4.1 uses π/4.");
  require(std::isfinite(epsilon) && epsilon >= 0,
          "The whitening regularizer epsilon must be a finite number ≥ 0; the default is 1e-8.");
  require(n >= d, "The whitening fit needs at least as many patches as pixels per patch (N ≥ D = " +
                      std::to_string(d) + ") to estimate a full covariance; sample more patches.");
  require(patches.allFinite(), "The training patches contain NaN or infinite values; clean them before fitting.");
  const int p = int(std::lround(std::sqrt(Real(d))));
  require(!by_frequency || Index(p) * p == d,
          "Ordering components by frequency needs square p×p patches, but D = " + std::to_string(d) +
              " is not a square; pass by_frequency = false.");

  PcaWhitening w;
  w.mode = mode;
  w.epsilon = epsilon;
  w.mean = patches.rowwise().mean();
  const Matrix centered = patches.colwise() - w.mean;
  const Matrix covariance = centered * centered.transpose() / Real(std::max<Index>(n - 1, 1));
  const Eigen::SelfAdjointEigenSolver<Matrix> eigen(covariance);
  require(eigen.info() == Eigen::Success,
          "The patch covariance eigendecomposition failed; check the patches for extreme values.");

  // Eigen sorts eigenvalues ascending; rank by decreasing variance, then (optionally) stably by
  // increasing dominant frequency, so equal frequencies keep the variance order.
  std::vector<Index> order(d);
  std::iota(order.begin(), order.end(), Index(0));
  std::reverse(order.begin(), order.end());
  if (by_frequency) {
    std::vector<Real> frequency(d);
    for (Index j = 0; j < d; ++j) frequency[j] = dominant_frequency(eigen.eigenvectors().col(j), p);
    std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return frequency[a] < frequency[b]; });
  }
  const Index kept = std::clamp<Index>(std::llround(keep * Real(d)), 1, d);
  order.resize(kept);
  std::sort(order.begin(), order.end(), std::greater<>());  // kept ones by decreasing variance

  w.components.resize(d, kept);
  w.variances.resize(kept);
  for (Index j = 0; j < kept; ++j) {
    w.components.col(j) = eigen.eigenvectors().col(order[j]);
    w.variances(j) = std::max(eigen.eigenvalues()(order[j]), Real(0));  // rounding can make them < 0
  }
  require((w.variances.array() + epsilon).minCoeff() > 0,
          "A kept whitening component has zero variance; pass epsilon > 0 or keep fewer components.");
  return w;
}

Matrix PcaWhitening::apply(const Matrix& patches) const {
  require(patches.rows() == input_dim(), "The patches to whiten have " + std::to_string(patches.rows()) +
                                             " pixels but the whitening was fit on " +
                                             std::to_string(input_dim()) + "; use patches of the same size.");
  require(patches.allFinite(), "The patches to whiten contain NaN or infinite values; clean them first.");
  const Vector scale = (variances.array() + epsilon).rsqrt().matrix();
  Matrix projected = scale.asDiagonal() * (components.transpose() * (patches.colwise() - mean));
  if (mode == Mode::pca) return projected;
  return components * projected;
}

Matrix PcaWhitening::invert(const Matrix& whitened) const {
  require(whitened.rows() == output_dim(), "The whitened data has " + std::to_string(whitened.rows()) +
                                               " rows but this whitening outputs " +
                                               std::to_string(output_dim()) + "; pass its own output.");
  const Vector scale = (variances.array() + epsilon).sqrt().matrix();
  const Matrix coefficients = mode == Mode::pca ? whitened : Matrix(components.transpose() * whitened);
  return (components * (scale.asDiagonal() * coefficients)).colwise() + mean;
}

nlohmann::json PcaWhitening::to_json() const {
  nlohmann::json columns = nlohmann::json::array();
  for (Index j = 0; j < components.cols(); ++j)
    columns.push_back(std::vector<Real>(components.col(j).data(), components.col(j).data() + components.rows()));
  return {{"mode", mode_name(mode)},
          {"epsilon", epsilon},
          {"mean", std::vector<Real>(mean.data(), mean.data() + mean.size())},
          {"variances", std::vector<Real>(variances.data(), variances.data() + variances.size())},
          {"components", columns}};
}

PcaWhitening PcaWhitening::from_json(const nlohmann::json& json) {
  PcaWhitening w;
  try {
    const std::string mode = json.at("mode").get<std::string>();
    require(mode == "pca" || mode == "zca",
            "The whitening JSON has mode \"" + mode + "\"; it must be \"pca\" or \"zca\".");
    w.mode = mode == "pca" ? Mode::pca : Mode::zca;
    w.epsilon = json.at("epsilon").get<Real>();
    const auto mean = json.at("mean").get<std::vector<Real>>();
    const auto variances = json.at("variances").get<std::vector<Real>>();
    const auto columns = json.at("components").get<std::vector<std::vector<Real>>>();
    require(!mean.empty() && columns.size() == variances.size() && !columns.empty(),
            "The whitening JSON needs a non-empty mean and one variance per component column; "
            "write it with PcaWhitening::to_json.");
    w.mean = Eigen::Map<const Vector>(mean.data(), Index(mean.size()));
    w.variances = Eigen::Map<const Vector>(variances.data(), Index(variances.size()));
    w.components.resize(Index(mean.size()), Index(columns.size()));
    for (std::size_t j = 0; j < columns.size(); ++j) {
      require(columns[j].size() == mean.size(), "A whitening JSON component column has " +
                                                    std::to_string(columns[j].size()) + " entries, not D = " +
                                                    std::to_string(mean.size()) + "; write it with PcaWhitening::to_json.");
      w.components.col(Index(j)) = Eigen::Map<const Vector>(columns[j].data(), Index(mean.size()));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("The whitening JSON is malformed (") + e.what() +
                "); write it with PcaWhitening::to_json.");
  }
  require(std::isfinite(w.epsilon) && w.epsilon >= 0 && (w.variances.array() >= 0).all() &&
              (w.variances.array() + w.epsilon).minCoeff() > 0,
          "The whitening JSON has a negative epsilon or variance, or a zero variance with epsilon 0; "
          "write it with PcaWhitening::to_json.");
  return w;
}

void remove_patch_means(Matrix& patches) {
  require(patches.allFinite(), "The patches contain NaN or infinite values; clean them first.");
  patches.rowwise() -= patches.colwise().mean();
}

void normalize_patch_variance(Matrix& patches) {
  require(patches.allFinite(), "The patches contain NaN or infinite values; clean them first.");
  const Real tiny = 64 * std::numeric_limits<Real>::epsilon();
  for (Index j = 0; j < patches.cols(); ++j) {
    auto column = patches.col(j);
    const Real sd = std::sqrt((column.array() - column.mean()).square().mean());
    if (sd > tiny * column.cwiseAbs().maxCoeff()) column /= sd;
  }
}

}  // namespace lsc
