#include "lsc/io/png.hpp"

#include <gtest/gtest.h>
#include <png.h>
#include <unistd.h>

#include <array>
#include <random>
#include <string>
#include <vector>

#include "../support/temp_dir.hpp"
#include "lsc/core/error.hpp"

namespace fs = std::filesystem;

namespace {

using lsc::test::error_of;
using lsc::test::slurp;

struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;

  std::array<int, 3> rgb(int x, int y) const {
    const std::size_t at = static_cast<std::size_t>((y * width + x) * channels);
    if (channels == 1) return {pixels[at], pixels[at], pixels[at]};
    return {pixels[at], pixels[at + 1], pixels[at + 2]};
  }
};

// Decodes with libpng in the file's own format (gray or RGB), so the test also checks which
// colour type was written.
Image read_png(const fs::path& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    ADD_FAILURE() << "libpng: " << image.message;
    return {};
  }
  Image out;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.channels = (image.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
  image.format = out.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr))
    ADD_FAILURE() << "libpng: " << image.message;
  return out;
}

using PngTest = lsc::test::TempDirTest;

constexpr std::array<int, 3> kWhite{255, 255, 255}, kBlack{0, 0, 0}, kGray{128, 128, 128};

TEST_F(PngTest, GrayAndRgbRoundTrip) {
  const std::vector<std::uint8_t> gray{0, 50, 100, 150, 200, 255};
  const fs::path p = dir_ / "g.png";
  lsc::io::write_png(p, gray, 3, 2, 1);
  const Image g = read_png(p);
  EXPECT_EQ(g.width, 3);
  EXPECT_EQ(g.height, 2);
  EXPECT_EQ(g.channels, 1);
  EXPECT_EQ(g.pixels, gray);

  std::vector<std::uint8_t> rgb(2 * 2 * 3);
  for (std::size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint8_t>(20 * i);
  lsc::io::write_png(p, rgb, 2, 2, 3);
  const Image c = read_png(p);
  EXPECT_EQ(c.channels, 3);
  EXPECT_EQ(c.pixels, rgb);
  EXPECT_EQ(entries(), 1u);
}

TEST_F(PngTest, WritePngRejectsBadArguments) {
  const std::vector<std::uint8_t> px(12, 0);
  EXPECT_THROW(lsc::io::write_png(dir_ / "a.png", px, 2, 2, 2), lsc::Error);
  EXPECT_THROW(lsc::io::write_png(dir_ / "a.png", px, 2, 2, 1), lsc::Error);
  EXPECT_THROW(lsc::io::write_png(dir_ / "a.png", px, 0, 2, 3), lsc::Error);
  EXPECT_THROW(lsc::io::write_png(dir_ / "none" / "a.png", px, 2, 2, 3), lsc::Error);
  EXPECT_EQ(entries(), 0u);
}

TEST_F(PngTest, MosaicScalesEachElementSymmetricallyAboutZero) {
  lsc::Matrix A(4, 3);  // 2x2 patches, pixel (r, c) = A(2r + c, k)
  A.col(0) << 1, -1, 0, 0.5;
  A.col(1).setZero();
  A.col(2) << -20, 0, 0, 10;
  const fs::path p = dir_ / "dict.png";
  lsc::io::write_dictionary_png(p, A, {.patch_height = 0, .patch_width = 0, .scale = 3, .border = 1});
  const Image img = read_png(p);
  // 2x2 grid of 6x6 tiles with 1-pixel lines around and between them.
  ASSERT_EQ(img.width, 15);
  ASSERT_EQ(img.height, 15);
  ASSERT_EQ(img.channels, 3);

  const std::array<int, 3> line = img.rgb(0, 0);
  EXPECT_FALSE(line[0] == line[1] && line[1] == line[2]) << "grid line must not be a gray level";
  EXPECT_EQ(img.rgb(7, 3), line);   // vertical line between the tiles
  EXPECT_EQ(img.rgb(3, 7), line);   // horizontal line between the tiles
  EXPECT_EQ(img.rgb(10, 10), line);  // empty fourth cell

  // Element 0 in the top-left tile: every pixel of each 3x3 block has the value's level.
  for (int dy = 0; dy < 3; ++dy) {
    for (int dx = 0; dx < 3; ++dx) {
      EXPECT_EQ(img.rgb(1 + dx, 1 + dy), kWhite);
      EXPECT_EQ(img.rgb(4 + dx, 1 + dy), kBlack);
      EXPECT_EQ(img.rgb(1 + dx, 4 + dy), kGray);
      EXPECT_EQ(img.rgb(4 + dx, 4 + dy), (std::array<int, 3>{191, 191, 191}));
    }
  }
  // Element 1 (all zero) is uniform gray; element 2 is scaled by its own max |a| = 20.
  for (int y = 8; y < 14; ++y)
    for (int x = 1; x < 7; ++x) EXPECT_EQ(img.rgb(x + 7, y - 7), kGray);
  EXPECT_EQ(img.rgb(2, 9), kBlack);
  EXPECT_EQ(img.rgb(5, 9), kGray);
  EXPECT_EQ(img.rgb(5, 12), (std::array<int, 3>{191, 191, 191}));
}

TEST_F(PngTest, MosaicHonoursPatchShapeAndSorting) {
  lsc::Matrix A = lsc::Matrix::Zero(6, 2);  // 2x3 patches
  A(5, 0) = 1;                               // small element: white bottom-right pixel
  A(0, 1) = -3;                              // large element: black top-left pixel
  const fs::path p = dir_ / "dict.png";
  lsc::io::write_dictionary_png(p, A, {.patch_height = 2, .patch_width = 3, .scale = 1, .border = 2, .sort_by_norm = true});
  const Image img = read_png(p);
  ASSERT_EQ(img.width, 2 * 3 + 3 * 2);
  ASSERT_EQ(img.height, 2 + 2 * 2);
  EXPECT_EQ(img.rgb(2, 2), kBlack);     // larger element comes first
  EXPECT_EQ(img.rgb(4, 3), kGray);
  EXPECT_EQ(img.rgb(7 + 2, 3), kWhite);  // second tile starts at x = 2 + 3 + 2

  lsc::io::write_dictionary_png(p, A, {.patch_height = 2, .patch_width = 3, .scale = 1, .border = 2});
  const Image unsorted = read_png(p);
  EXPECT_EQ(unsorted.rgb(4, 3), kWhite);
  EXPECT_EQ(unsorted.rgb(7, 2), kBlack);
}

TEST_F(PngTest, MosaicRejectsMismatchedPatchSizes) {
  const fs::path p = dir_ / "dict.png";
  std::string msg;
  try {
    lsc::io::write_dictionary_png(p, lsc::Matrix::Ones(60, 4));
  } catch (const lsc::Error& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("perfect square"), std::string::npos) << msg;
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  EXPECT_THROW(lsc::io::write_dictionary_png(p, lsc::Matrix::Ones(64, 4), {.patch_height = 7, .patch_width = 8}),
               lsc::Error);
  EXPECT_THROW(lsc::io::write_dictionary_png(p, lsc::Matrix::Ones(64, 4), {.patch_height = 8}), lsc::Error);
  EXPECT_THROW(lsc::io::write_dictionary_png(p, lsc::Matrix(64, 0)), lsc::Error);
  EXPECT_THROW(lsc::io::write_dictionary_png(p, lsc::Matrix::Ones(64, 4), {.scale = 0}), lsc::Error);
  lsc::Matrix bad = lsc::Matrix::Ones(4, 2);
  bad(1, 1) = std::nan("");
  EXPECT_THROW(lsc::io::write_dictionary_png(p, bad), lsc::Error);
  EXPECT_EQ(entries(), 0u);
}

}  // namespace
