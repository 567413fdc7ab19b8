#pragma once
// PNG output for inspecting results by eye, mainly the learned dictionary as a mosaic of patches.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "lsc/core/types.hpp"

namespace lsc::io {

// Writes an 8-bit grayscale (channels = 1) or RGB (channels = 3) image atomically; pixels are
// row-major with interleaved channels, size height * width * channels.
void write_png(const std::filesystem::path& path, const std::vector<std::uint8_t>& pixels,
               int width, int height, int channels);

struct MosaicOptions {
  int patch_height = 0;  // 0 together with patch_width = 0: a square patch inferred from D
  int patch_width = 0;
  int scale = 4;   // image pixels per patch pixel
  int border = 1;  // width of the grid lines between tiles, in image pixels
  bool sort_by_norm = false;  // largest column norm first
};

// Draws the D×K dictionary A as a near-square grid of patch_height×patch_width tiles, element k's
// pixel (r, c) being A(r * patch_width + c, k). Each element is scaled on its own, symmetric about
// zero: mid-gray is 0, white +max|a|, black -max|a|, and an all-zero element is uniform gray.
// Grid lines and empty cells are dark blue, so the image is RGB. Throws lsc::Error if D is not
// patch_height * patch_width (or not a perfect square when inferring).
void write_dictionary_png(const std::filesystem::path& path, const Matrix& A,
                          const MosaicOptions& options = {});

}  // namespace lsc::io
