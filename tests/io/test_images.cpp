#include "lsc/io/images.hpp"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE declared first
#include <jpeglib.h>
// clang-format on
#include <matio.h>
#include <png.h>
#include <tiffio.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "../support/temp_dir.hpp"
#include "lsc/io/npy.hpp"
#include "lsc/io/png.hpp"

namespace lsc::io {
namespace {

namespace fs = std::filesystem;
using lsc::test::error_of;

// ---- writers for the fixtures, each through the library that reads the format ----

void write_jpeg(const fs::path& path, const std::vector<std::uint8_t>& pixels, int width,
                int height, int channels) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  jpeg_stdio_dest(&c, f);
  c.image_width = JDIMENSION(width);
  c.image_height = JDIMENSION(height);
  c.input_components = channels;
  c.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 100, TRUE);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(&pixels[std::size_t(c.next_scanline) * width * channels]);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::fclose(f);
}

template <class T>
void write_tiff(const fs::path& path, const std::vector<T>& samples, int width, int height,
                int channels) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  ASSERT_NE(tif, nullptr);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, std::uint32_t(width));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, std::uint32_t(height));
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, std::uint16_t(8 * sizeof(T)));
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, std::uint16_t(channels));
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, channels == 1 ? PHOTOMETRIC_MINISBLACK : PHOTOMETRIC_RGB);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, std::uint32_t(height));
  for (int r = 0; r < height; ++r) {
    std::vector<T> row(samples.begin() + std::ptrdiff_t(r) * width * channels,
                       samples.begin() + std::ptrdiff_t(r + 1) * width * channels);
    ASSERT_EQ(TIFFWriteScanline(tif, row.data(), std::uint32_t(r), 0), 1);
  }
  TIFFClose(tif);
}

// Returns false when this matio cannot write that version (v7.3 needs HDF5).
bool write_mat(const fs::path& path, mat_ft version,
               const std::vector<std::pair<std::string, matvar_t*>>& vars) {
  mat_t* mat = Mat_CreateVer(path.c_str(), nullptr, version);
  bool ok = mat != nullptr;
  for (auto& [name, var] : vars) {
    if (ok) ok = Mat_VarWrite(mat, var, MAT_COMPRESSION_NONE) == 0;
    Mat_VarFree(var);
  }
  if (mat != nullptr) Mat_Close(mat);
  return ok;
}

// Mat_VarCreate copies the data (no MAT_F_DONT_COPY_DATA), so `data` may go away afterwards.
matvar_t* mat_var(const char* name, matio_classes cls, matio_types type,
                  std::vector<std::size_t> dims, const void* data) {
  return Mat_VarCreate(name, cls, type, int(dims.size()), dims.data(), const_cast<void*>(data), 0);
}

void truncate_to(const fs::path& path, double fraction) {
  fs::resize_file(path, std::uintmax_t(double(fs::file_size(path)) * fraction));
}

// 4×5×3 stack whose element (r, c, k) is 100k + 10r + c, in MATLAB column-major order.
std::vector<double> stack_4x5x3() {
  std::vector<double> v(60);
  for (int k = 0; k < 3; ++k)
    for (int c = 0; c < 5; ++c)
      for (int r = 0; r < 4; ++r) v[std::size_t(r + 4 * (c + 5 * k))] = 100 * k + 10 * r + c;
  return v;
}

void expect_stack_4x5x3(const std::vector<Image>& images) {
  ASSERT_EQ(images.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    ASSERT_EQ(images[k].height, 4);
    ASSERT_EQ(images[k].width, 5);
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 5; ++c) EXPECT_EQ(images[k].at(r, c), 100 * k + 10 * r + c);
  }
}

class ImagesTest : public lsc::test::TempDirTest {};

// ---- image files ----

TEST_F(ImagesTest, ReadsGrayPngExactly) {
  std::vector<std::uint8_t> px(12);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = std::uint8_t(20 * i + 3);
  write_png(dir_ / "g.png", px, 4, 3, 1);
  const Image im = read_image(dir_ / "g.png");
  ASSERT_EQ(im.height, 3);
  ASSERT_EQ(im.width, 4);
  EXPECT_EQ(im.source, (dir_ / "g.png").string());
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) EXPECT_EQ(im.at(r, c), (20 * (4 * r + c) + 3) / 255.0);
}

TEST_F(ImagesTest, ConvertsColorWithBt601Luma) {
  // red, green, blue / white, black, a color
  const std::vector<std::uint8_t> px{255, 0,   0,   0, 255, 0, 0,  0,   255,
                                     255, 255, 255, 0, 0,   0, 10, 200, 40};
  write_png(dir_ / "rgb.png", px, 3, 2, 3);
  const Image im = read_image(dir_ / "rgb.png");
  ASSERT_EQ(im.height, 2);
  ASSERT_EQ(im.width, 3);
  EXPECT_NEAR(im.at(0, 0), 0.299, 1e-12);
  EXPECT_NEAR(im.at(0, 1), 0.587, 1e-12);
  EXPECT_NEAR(im.at(0, 2), 0.114, 1e-12);
  EXPECT_EQ(im.at(1, 0), 1.0);
  EXPECT_EQ(im.at(1, 1), 0.0);
  EXPECT_NEAR(im.at(1, 2), (0.299 * 10 + 0.587 * 200 + 0.114 * 40) / 255, 1e-12);
}

TEST_F(ImagesTest, Keeps16BitPngPrecision) {
  const std::vector<std::uint16_t> px{1000, 2, 65535, 30001, 0, 12345};
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = 3;
  image.height = 2;
  image.format = PNG_FORMAT_LINEAR_Y;  // 16-bit gray, written unchanged
  ASSERT_NE(png_image_write_to_file(&image, (dir_ / "deep.png").c_str(), 0, px.data(), 0, nullptr),
            0)
      << image.message;
  const Image im = read_image(dir_ / "deep.png");
  ASSERT_EQ(im.pixels.size(), px.size());
  for (std::size_t i = 0; i < px.size(); ++i) EXPECT_EQ(im.pixels[i], px[i] / 65535.0);
}

TEST_F(ImagesTest, DetectsFormatByContentNotExtension) {
  write_png(dir_ / "really_a_png.jpg", {0, 51, 102, 255}, 2, 2, 1);
  const Image im = read_image(dir_ / "really_a_png.jpg");
  EXPECT_EQ(im.at(0, 1), 0.2);
  EXPECT_EQ(im.at(1, 1), 1.0);
}

TEST_F(ImagesTest, ReadsJpegWithinCompressionTolerance) {
  std::vector<std::uint8_t> gray(16 * 16);
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 16; ++c) gray[std::size_t(16 * r + c)] = std::uint8_t(8 * r + 4 * c + 10);
  write_jpeg(dir_ / "g.jpg", gray, 16, 16, 1);
  const Image g = read_image(dir_ / "g.jpg");
  ASSERT_EQ(g.height, 16);
  ASSERT_EQ(g.width, 16);
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 16; ++c) EXPECT_NEAR(g.at(r, c), (8 * r + 4 * c + 10) / 255.0, 2.5 / 255);

  std::vector<std::uint8_t> rgb;
  for (int i = 0; i < 16 * 8; ++i) rgb.insert(rgb.end(), {200, 100, 50});
  write_jpeg(dir_ / "c.jpeg", rgb, 8, 16, 3);
  const Image c = read_image(dir_ / "c.jpeg");
  ASSERT_EQ(c.height, 16);
  ASSERT_EQ(c.width, 8);
  for (double v : c.pixels)
    EXPECT_NEAR(v, (0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255, 2.5 / 255);
}

TEST_F(ImagesTest, ReadsTiff8BitRgbAnd16BitGray) {
  const std::vector<std::uint8_t> rgb{255, 0, 0, 0, 255, 0, 0,   0,   255,
                                      7,   7, 7, 0, 0,   0, 255, 255, 255};
  write_tiff(dir_ / "rgb.tif", rgb, 3, 2, 3);
  const Image im = read_image(dir_ / "rgb.tif");
  ASSERT_EQ(im.height, 2);
  ASSERT_EQ(im.width, 3);
  const std::vector<double> expected{0.299, 0.587, 0.114, 7 / 255.0, 0, 1};
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(im.pixels[i], expected[i], 1e-12);

  const std::vector<std::uint16_t> deep{1, 65535, 40000, 3, 777, 0};
  write_tiff(dir_ / "deep.tiff", deep, 2, 3, 1);
  const Image d = read_image(dir_ / "deep.tiff");
  ASSERT_EQ(d.height, 3);
  ASSERT_EQ(d.width, 2);
  for (std::size_t i = 0; i < deep.size(); ++i) EXPECT_EQ(d.pixels[i], deep[i] / 65535.0);
}

// ---- stacks ----

TEST_F(ImagesTest, ReadsMatV5StackInColumnMajorOrder) {
  const std::vector<double> values = stack_4x5x3();
  const char text[] = "hello";
  const double other[4] = {9, 9, 9, 9};
  ASSERT_TRUE(write_mat(
      dir_ / "IMAGES.mat", MAT_FT_MAT5,
      {{"label", mat_var("label", MAT_C_CHAR, MAT_T_UINT8, {1, 5}, text)},
       {"IMAGES", mat_var("IMAGES", MAT_C_DOUBLE, MAT_T_DOUBLE, {4, 5, 3}, values.data())},
       {"other", mat_var("other", MAT_C_DOUBLE, MAT_T_DOUBLE, {2, 2}, other)}}));
  const std::vector<Image> images = read_images(dir_ / "IMAGES.mat");  // skips the char variable
  expect_stack_4x5x3(images);
  EXPECT_EQ(images[1].source, (dir_ / "IMAGES.mat").string() + ":IMAGES(:,:,2)");

  const std::vector<Image> named = read_images(dir_ / "IMAGES.mat", "other");
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].pixels, std::vector<double>(4, 9.0));
  EXPECT_EQ(named[0].source, (dir_ / "IMAGES.mat").string() + ":other");
}

TEST_F(ImagesTest, ReadsMatSingleAndIntegerClasses) {
  const std::vector<double> values = stack_4x5x3();
  const std::vector<float> single(values.begin(), values.end());
  const std::vector<std::uint16_t> ints(values.begin(), values.end());
  ASSERT_TRUE(
      write_mat(dir_ / "s.mat", MAT_FT_MAT5,
                {{"s", mat_var("s", MAT_C_SINGLE, MAT_T_SINGLE, {4, 5, 3}, single.data())}}));
  ASSERT_TRUE(write_mat(dir_ / "u.mat", MAT_FT_MAT5,
                        {{"u", mat_var("u", MAT_C_UINT16, MAT_T_UINT16, {4, 5, 3}, ints.data())}}));
  expect_stack_4x5x3(read_images(dir_ / "s.mat"));
  expect_stack_4x5x3(read_images(dir_ / "u.mat"));
}

TEST_F(ImagesTest, ReadsMatV73WhenMatioHasHdf5) {
  const std::vector<double> values = stack_4x5x3();
  if (!write_mat(
          dir_ / "v73.mat", MAT_FT_MAT73,
          {{"IMAGES", mat_var("IMAGES", MAT_C_DOUBLE, MAT_T_DOUBLE, {4, 5, 3}, values.data())}}))
    GTEST_SKIP() << "this matio cannot write v7.3 files (no HDF5)";
  expect_stack_4x5x3(read_images(dir_ / "v73.mat"));
}

TEST_F(ImagesTest, ReadsNpyStackAndSingleImage) {
  std::vector<double> data(2 * 3 * 4);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = 0.5 * double(i);
  write_npy(dir_ / "stack.npy", data.data(), {2, 3, 4});
  const std::vector<Image> images = read_images(dir_ / "stack.npy");
  ASSERT_EQ(images.size(), 2u);
  for (int k = 0; k < 2; ++k) {
    ASSERT_EQ(images[k].height, 3);
    ASSERT_EQ(images[k].width, 4);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c) EXPECT_EQ(images[k].at(r, c), 0.5 * ((k * 3 + r) * 4 + c));
  }
  EXPECT_EQ(images[1].source, (dir_ / "stack.npy").string() + "[1]");

  write_npy(dir_ / "one.npy", data.data(), {4, 6});
  const std::vector<Image> one = read_images(dir_ / "one.npy");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].height, 4);
  EXPECT_EQ(one[0].at(2, 5), 0.5 * 17);
}

TEST_F(ImagesTest, ReadsFolderSortedByNameSkippingOtherFiles) {
  const auto flat = [](std::uint8_t v) { return std::vector<std::uint8_t>(4, v); };
  write_png(dir_ / "b.PNG", flat(40), 2, 2, 1);
  write_png(dir_ / "9.png", flat(20), 2, 2, 1);
  write_png(dir_ / "10.png", flat(10), 2, 2, 1);
  write_tiff(dir_ / "a.tif", flat(30), 2, 2, 1);
  write_npy(dir_ / "skip.npy", std::vector<double>(4).data(), {2, 2});
  {
    std::FILE* f = std::fopen((dir_ / "notes.txt").c_str(), "w");
    std::fclose(f);
  }
  fs::create_directory(dir_ / "sub.png");
  const std::vector<Image> images = read_images(dir_);
  ASSERT_EQ(images.size(), 4u);
  const std::vector<std::string> names{"10.png", "9.png", "a.tif", "b.PNG"};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(fs::path(images[i].source).filename(), names[i]);
    EXPECT_EQ(images[i].at(1, 1), 10.0 * double(i + 1) / 255);
  }
  EXPECT_EQ(read_images(dir_ / "9.png").at(0).at(0, 0), 20 / 255.0);  // a single file
}

// ---- rejections: one sentence naming the file ----

TEST_F(ImagesTest, RejectsMissingPathAndEmptyFolder) {
  const std::string missing = error_of([&] { read_images(dir_ / "nope"); });
  EXPECT_NE(missing.find("nope: no such file or folder"), std::string::npos) << missing;
  EXPECT_NE(error_of([&] { read_image(dir_ / "nope.png"); }).find("nope.png: no such file"),
            std::string::npos);
  {
    std::FILE* f = std::fopen((dir_ / "readme.txt").c_str(), "w");
    std::fclose(f);
  }
  const std::string empty = error_of([&] { read_images(dir_); });
  EXPECT_NE(empty.find(dir_.string() + ": the folder has no .png"), std::string::npos) << empty;
}

TEST_F(ImagesTest, RejectsCorruptAndTruncatedImageFiles) {
  std::vector<std::uint8_t> px(64 * 64);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = std::uint8_t(i * 7);
  write_png(dir_ / "t.png", px, 64, 64, 1);
  truncate_to(dir_ / "t.png", 0.5);
  const std::string png = error_of([&] { read_image(dir_ / "t.png"); });
  EXPECT_NE(png.find("t.png: cannot decode this PNG image"), std::string::npos) << png;
  EXPECT_NE(png.find("(libpng: "), std::string::npos) << png;

  write_jpeg(dir_ / "t.jpg", px, 64, 64, 1);
  truncate_to(dir_ / "t.jpg", 0.5);
  const std::string jpg = error_of([&] { read_image(dir_ / "t.jpg"); });
  EXPECT_NE(jpg.find("t.jpg: cannot decode this JPEG image"), std::string::npos) << jpg;
  EXPECT_NE(jpg.find("(libjpeg: Premature end of JPEG file)"), std::string::npos) << jpg;

  write_tiff(dir_ / "t.tif", px, 64, 64, 1);
  truncate_to(dir_ / "t.tif", 0.5);
  const std::string tif = error_of([&] { read_image(dir_ / "t.tif"); });
  EXPECT_NE(tif.find("t.tif: cannot decode this TIFF image"), std::string::npos) << tif;
  EXPECT_NE(tif.find("(libtiff: "), std::string::npos) << tif;
  EXPECT_EQ(tif.find("(libtiff: )"), std::string::npos) << tif;

  {
    std::FILE* f = std::fopen((dir_ / "text.png").c_str(), "w");
    std::fputs("hello", f);
    std::fclose(f);
  }
  const std::string text = error_of([&] { read_images(dir_ / "text.png"); });
  EXPECT_NE(text.find("text.png: not a PNG, JPEG or TIFF image"), std::string::npos) << text;

  write_png(dir_ / "thin.png", {1, 2, 3, 4, 5}, 5, 1, 1);
  const std::string thin = error_of([&] { read_image(dir_ / "thin.png"); });
  EXPECT_NE(thin.find("thin.png: the image is 1x5 pixels, too small"), std::string::npos) << thin;
}

TEST_F(ImagesTest, RejectsBadMatFiles) {
  const char text[] = "hello";
  ASSERT_TRUE(write_mat(dir_ / "text.mat", MAT_FT_MAT5,
                        {{"label", mat_var("label", MAT_C_CHAR, MAT_T_UINT8, {1, 5}, text)}}));
  const std::string none = error_of([&] { read_images(dir_ / "text.mat"); });
  EXPECT_NE(
      none.find("text.mat: the MAT-file has no real numeric 2-D or 3-D variable (it has label)"),
      std::string::npos)
      << none;
  const std::string named = error_of([&] { read_images(dir_ / "text.mat", "IMAGES"); });
  EXPECT_NE(named.find("no variable named 'IMAGES' (it has label)"), std::string::npos) << named;
  const std::string wrong = error_of([&] { read_images(dir_ / "text.mat", "label"); });
  EXPECT_NE(wrong.find("text.mat:label: the variable is not a real numeric"), std::string::npos)
      << wrong;

  std::vector<double> values = stack_4x5x3();
  values[std::size_t(1 + 4 * (2 + 5 * 2))] = std::numeric_limits<double>::quiet_NaN();
  ASSERT_TRUE(
      write_mat(dir_ / "nan.mat", MAT_FT_MAT5,
                {{"X", mat_var("X", MAT_C_DOUBLE, MAT_T_DOUBLE, {4, 5, 3}, values.data())}}));
  const std::string nan = error_of([&] { read_images(dir_ / "nan.mat"); });
  EXPECT_NE(nan.find("nan.mat:X(:,:,3): the image has NaN or Inf pixels"), std::string::npos)
      << nan;

  {
    std::FILE* f = std::fopen((dir_ / "junk.mat").c_str(), "w");
    std::fputs("not a mat file", f);
    std::fclose(f);
  }
  const std::string junk = error_of([&] { read_images(dir_ / "junk.mat"); });
  EXPECT_NE(junk.find("junk.mat: matio cannot open this MAT-file"), std::string::npos) << junk;
}

TEST_F(ImagesTest, RejectsBadNpyFiles) {
  const std::vector<double> data(2 * 3 * 4 * 5, 0.25);
  write_npy(dir_ / "rank4.npy", data.data(), {2, 3, 4, 5});
  const std::string rank4 = error_of([&] { read_images(dir_ / "rank4.npy"); });
  EXPECT_NE(rank4.find("rank4.npy: the array has shape (2, 3, 4, 5)"), std::string::npos) << rank4;
  write_npy(dir_ / "rank1.npy", data.data(), {6});
  const std::string rank1 = error_of([&] { read_images(dir_ / "rank1.npy"); });
  EXPECT_NE(rank1.find("rank1.npy: the array has shape (6,)"), std::string::npos) << rank1;

  std::vector<double> bad(2 * 3 * 4, 0.5);
  bad[13] = std::numeric_limits<double>::infinity();
  write_npy(dir_ / "inf.npy", bad.data(), {2, 3, 4});
  const std::string inf = error_of([&] { read_images(dir_ / "inf.npy"); });
  EXPECT_NE(inf.find("inf.npy[1]: the image has NaN or Inf pixels"), std::string::npos) << inf;

  const std::string var = error_of([&] { read_images(dir_ / "inf.npy", "IMAGES"); });
  EXPECT_NE(var.find("inf.npy: a variable name ('IMAGES') only applies to .mat files"),
            std::string::npos)
      << var;
}

// ---- the shared BSDS300 training set, when this checkout has it ----

fs::path shared_dir() {
  if (const char* env = std::getenv("LSC_SHARED_DIR")) return env;
#ifdef LSC_SOURCE_DIR
  return fs::path(LSC_SOURCE_DIR) / ".." / "shared";
#else
  return {};
#endif
}

TEST(ImagesBsds, ReadsAll200TrainingJpegs) {
  const fs::path train = shared_dir() / "data" / "bsds300" / "images" / "train";
  if (shared_dir().empty() || !fs::is_directory(train)) GTEST_SKIP() << "no BSDS300 at " << train;
  int count = 0;
  // One image at a time: the whole set as doubles would be about 250 MB.
  for (const auto& entry : fs::directory_iterator(train)) {
    if (entry.path().extension() != ".jpg") continue;
    const Image im = read_image(entry.path());
    ++count;
    EXPECT_TRUE((im.height == 321 && im.width == 481) || (im.height == 481 && im.width == 321))
        << im.source << " is " << im.height << "x" << im.width;
    const auto [lo, hi] = std::minmax_element(im.pixels.begin(), im.pixels.end());
    EXPECT_GE(*lo, 0.0) << im.source;
    EXPECT_LE(*hi, 1.0) << im.source;
    EXPECT_LT(*lo, *hi) << im.source << " is flat";
  }
  EXPECT_EQ(count, 200);
}

}  // namespace
}  // namespace lsc::io
