#pragma once
// Natural images for patch sampling: PNG, JPEG and TIFF files, folders of them, MATLAB .mat stacks
// (as Olshausen's IMAGES.mat) and .npy stacks, all read as grayscale. Every failure is an
// lsc::Error that names the file.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace lsc::io {

// A grayscale image, row-major pixels in [0, 1] for 8/16-bit files (floats as stored for
// .mat/.npy).
struct Image {
  int height = 0, width = 0;
  std::vector<double> pixels;
  double at(int r, int c) const { return pixels[std::size_t(r) * width + c]; }
  std::string source;  // the file, plus which image of a stack: "a.mat:IMAGES(:,:,3)", "a.npy[2]"
};

// One image file: PNG (libpng), JPEG (libjpeg), TIFF (libtiff, first page), chosen by content
// (magic bytes), not extension. Color is converted to gray with ITU-R BT.601 luma
// (0.299 R + 0.587 G + 0.114 B); alpha is ignored; 16-bit samples keep full precision.
Image read_image(const std::filesystem::path& file);

// A stack of images from: a folder (every .png/.jpg/.jpeg/.tif/.tiff file, any letter case, sorted
// by name; error if none), a .mat file (MATLAB v5 and v7.3 via matio: the first real numeric 2-D
// or 3-D variable, or `variable` if given; H×W×n = n images of H×W), a .npy file (shape (n, H, W)
// or (H, W)), or a single image file. Images smaller than 2×2 or with NaN/Inf pixels are errors.
std::vector<Image> read_images(const std::filesystem::path& path, const std::string& variable = "");

}  // namespace lsc::io
