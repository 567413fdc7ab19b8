#include "lsc/io/png.hpp"

#include <cerrno>
#include <cstring>

#include <png.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>

#include "lsc/core/error.hpp"
#include "lsc/io/atomic_file.hpp"

namespace lsc::io {

namespace {

// libpng refuses wider or taller images unless its user limits are raised.
constexpr long long kMaxSide = 1000000;
// Keeps the mosaic's pixel buffer to a few hundred MiB at most.
constexpr long long kMaxMosaicPixels = 1LL << 26;
// Not a gray level, so grid lines never blend into an element's pixels.
constexpr std::array<std::uint8_t, 3> kGridColor{20, 40, 160};

}  // namespace

void write_png(const std::filesystem::path& path, const std::vector<std::uint8_t>& pixels,
               int width, int height, int channels) {
  const std::string name = path.string();
  require(channels == 1 || channels == 3,
          name + ": cannot write a PNG with " + std::to_string(channels) +
              " channels; use 1 (grayscale) or 3 (RGB).");
  require(width > 0 && height > 0 && width <= kMaxSide && height <= kMaxSide,
          name + ": cannot write a PNG of " + std::to_string(width) + "x" + std::to_string(height) +
              " pixels; each side must be between 1 and " + std::to_string(kMaxSide) + ".");
  const std::size_t expected = static_cast<std::size_t>(width) * static_cast<std::size_t>(height) *
                               static_cast<std::size_t>(channels);
  require(pixels.size() == expected,
          name + ": got " + std::to_string(pixels.size()) + " pixel values for a " +
              std::to_string(width) + "x" + std::to_string(height) + " image with " +
              std::to_string(channels) + " channels, which needs " + std::to_string(expected) +
              "; pass height * width * channels values.");

  AtomicFile file(path);
  // The simplified API reports errors through image.message instead of longjmp, which would
  // skip the destructors of the C++ objects around it.
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  const int ok = png_image_write_to_stdio(&image, file.file(), 0, pixels.data(),
                                          static_cast<png_int_32>(width * channels), nullptr);
  const int err = errno;
  const std::string message = image.message;
  png_image_free(&image);
  // A write that failed underneath libpng (a full disk) is the disk's fault, not the image's.
  if (ok == 0 && std::ferror(file.file()))
    throw Error(name + ": writing failed (" + std::strerror(err ? err : EIO) +
                "); free disk space or choose another output path.");
  require(ok != 0, name + ": libpng could not encode the image (" + message +
                       "); check the image size and the output path.");
  file.commit();
}

void write_dictionary_png(const std::filesystem::path& path, const Matrix& A,
                          const MosaicOptions& options) {
  const std::string name = path.string();
  const long long dim = A.rows(), count = A.cols();
  require(dim > 0 && count > 0, name + ": cannot draw a dictionary of size " + std::to_string(dim) +
                                    "x" + std::to_string(count) +
                                    "; pass a D×K matrix with at least one element.");
  require(options.scale >= 1 && options.border >= 0,
          name + ": mosaic scale must be at least 1 and border at least 0 (got scale " +
              std::to_string(options.scale) + ", border " + std::to_string(options.border) +
              "); fix the mosaic options.");
  long long ph = options.patch_height, pw = options.patch_width;
  if (ph == 0 && pw == 0) {
    const long long side = std::llround(std::sqrt(static_cast<double>(dim)));
    require(side * side == dim,
            name + ": cannot infer a square patch because D = " + std::to_string(dim) +
                " is not a perfect square; set patch_height and patch_width with product " +
                std::to_string(dim) + ".");
    ph = pw = side;
  }
  require(ph > 0 && pw > 0 && ph * pw == dim,
          name + ": patch size " + std::to_string(ph) + "x" + std::to_string(pw) +
              " does not match the dictionary's D = " + std::to_string(dim) +
              " entries per element; set patch_height * patch_width = " + std::to_string(dim) + ".");
  require(A.allFinite(), name + ": the dictionary contains NaN or Inf values, so it cannot be "
                                "drawn; check the learning run that produced it.");

  long long grid_cols = 1;
  while (grid_cols * grid_cols < count) ++grid_cols;
  const long long grid_rows = (count + grid_cols - 1) / grid_cols;
  const long long tile_h = ph * options.scale, tile_w = pw * options.scale;
  const long long width = grid_cols * (tile_w + options.border) + options.border;
  const long long height = grid_rows * (tile_h + options.border) + options.border;
  require(width <= kMaxSide && height <= kMaxSide && width * height <= kMaxMosaicPixels,
          name + ": the mosaic would be " + std::to_string(width) + "x" + std::to_string(height) +
              " pixels, too large for PNG; lower the mosaic scale.");

  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width * height * 3));
  for (std::size_t i = 0; i < pixels.size(); i += 3)
    std::copy(kGridColor.begin(), kGridColor.end(), pixels.begin() + static_cast<std::ptrdiff_t>(i));

  std::vector<Index> order(static_cast<std::size_t>(count));
  std::iota(order.begin(), order.end(), Index{0});
  if (options.sort_by_norm) {
    const Eigen::VectorXd norms = A.colwise().norm().transpose();
    std::stable_sort(order.begin(), order.end(),
                     [&](Index a, Index b) { return norms(a) > norms(b); });
  }

  for (std::size_t slot = 0; slot < order.size(); ++slot) {
    const Index k = order[slot];
    const long long top = options.border + static_cast<long long>(slot) / grid_cols * (tile_h + options.border);
    const long long left = options.border + static_cast<long long>(slot) % grid_cols * (tile_w + options.border);
    const double peak = A.col(k).cwiseAbs().maxCoeff();
    for (long long r = 0; r < ph; ++r) {
      for (long long c = 0; c < pw; ++c) {
        const double v = A(static_cast<Index>(r * pw + c), k);
        const double level = peak > 0 ? std::clamp(127.5 + 127.5 * v / peak, 0.0, 255.0) : 127.5;
        const auto gray = static_cast<std::uint8_t>(std::lround(level));
        for (long long y = top + r * options.scale; y < top + (r + 1) * options.scale; ++y) {
          const std::size_t row = static_cast<std::size_t>(y * width);
          for (long long x = left + c * options.scale; x < left + (c + 1) * options.scale; ++x) {
            const std::size_t at = 3 * (row + static_cast<std::size_t>(x));
            pixels[at] = pixels[at + 1] = pixels[at + 2] = gray;
          }
        }
      }
    }
  }
  write_png(path, pixels, static_cast<int>(width), static_cast<int>(height), 3);
}

}  // namespace lsc::io
