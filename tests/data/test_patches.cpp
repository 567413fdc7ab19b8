// Patch sampling: inside the border, reproducible by seed, pixel order r·p + c; the image split.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "lsc/core/error.hpp"
#include "lsc/data/patches.hpp"

namespace lsc {
namespace {

// A 30×40 image whose border (4 pixels) holds −1 and whose interior pixel (r, c) holds r·1000 + c.
io::Image marked_image() {
  io::Image im;
  im.height = 30;
  im.width = 40;
  im.pixels.resize(30 * 40);
  for (int r = 0; r < 30; ++r)
    for (int c = 0; c < 40; ++c) {
      const bool border = r < 4 || c < 4 || r >= 26 || c >= 36;
      im.pixels[std::size_t(r) * 40 + c] = border ? -1.0 : r * 1000.0 + c;
    }
  return im;
}

TEST(Patches, StayInsideTheBorderAndKeepRowMajorPixelOrder) {
  const std::vector<io::Image> images = {marked_image()};
  PatchOptions o;
  o.size = 5;
  o.border = 4;
  o.seed = 9;
  const Matrix X = sample_patches(images, 2000, o);
  ASSERT_EQ(X.rows(), 25);
  for (Index n = 0; n < X.cols(); ++n) {
    ASSERT_GE(X.col(n).minCoeff(), 0.0) << "patch " << n << " touches the border";
    const Real top_left = X(0, n);
    for (int r = 0; r < 5; ++r)
      for (int c = 0; c < 5; ++c) EXPECT_EQ(X(r * 5 + c, n), top_left + r * 1000 + c);
  }
  // Every admissible position is reachable: top-left rows 4..21 and columns 4..31 all occur.
  std::vector<int> rows(30, 0), cols(40, 0);
  for (Index n = 0; n < X.cols(); ++n) {
    ++rows[static_cast<int>(X(0, n)) / 1000];
    ++cols[static_cast<int>(X(0, n)) % 1000];
  }
  for (int r = 4; r <= 21; ++r) EXPECT_GT(rows[r], 0) << r;
  for (int c = 4; c <= 31; ++c) EXPECT_GT(cols[c], 0) << c;
}

TEST(Patches, SameSeedSamePatchesAndAnyPrefixIsStable) {
  const std::vector<io::Image> images = {marked_image(), marked_image()};
  PatchOptions o;
  o.seed = 3;
  const Matrix a = sample_patches(images, 100, o), b = sample_patches(images, 40, o);
  EXPECT_EQ(a.leftCols(40), b);
  EXPECT_EQ(sample_patches(images, 60, o, 40), a.rightCols(60));
  o.seed = 4;
  EXPECT_NE(sample_patches(images, 100, o), a);
}

TEST(Patches, ImagesTooSmallForPatchAndBorderAreRejected) {
  PatchOptions o;
  o.size = 30;
  EXPECT_THROW(sample_patches({marked_image()}, 1, o), Error);
  EXPECT_THROW(sample_patches({}, 1, PatchOptions{}), Error);
}

TEST(Patches, ImageSplitIsAPartitionWithTheRequestedFraction) {
  const ImageSplit s = split_images(2000, 0.25, 11);
  EXPECT_EQ(s.train.size() + s.test.size(), 2000u);
  // Binomial(2000, 0.25): 4 standard errors is 77.
  EXPECT_NEAR(double(s.test.size()), 500.0, 4 * std::sqrt(2000 * 0.25 * 0.75));
  const ImageSplit again = split_images(2000, 0.25, 11);
  EXPECT_EQ(s.test, again.test);
  // Stable as images are added: the first 1000 images are split as before.
  const ImageSplit half = split_images(1000, 0.25, 11);
  for (std::size_t i : half.test) EXPECT_TRUE(std::find(s.test.begin(), s.test.end(), i) != s.test.end());
}

}  // namespace
}  // namespace lsc
