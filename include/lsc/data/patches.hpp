#pragma once
// Random p×p patches from a set of images (natural-image experiments, §4.3): reproducible by
// seed, away from the image borders, and split into training and held-out images.
#include <cstdint>
#include <vector>

#include "lsc/core/types.hpp"
#include "lsc/io/images.hpp"

namespace lsc {

struct PatchOptions {
  int size = 8;           // p: patches are p×p, D = p²
  int border = 4;         // pixels skipped at every image edge (whitening filters ring there)
  std::uint64_t seed = 0;
};

// Patch n (column n of the D×count result, pixel (r, c) at r·p + c) comes from image
// (Philox word % images) at a uniform position: a pure function of (seed, first + n).
Matrix sample_patches(const std::vector<io::Image>& images, Index count, const PatchOptions& options,
                      std::uint64_t first = 0);

// Image indices split into training and held-out sets: every image goes to the test set with
// probability test_fraction, decided by the seed alone (so the split is stable as images are added).
struct ImageSplit {
  std::vector<std::size_t> train, test;
};
ImageSplit split_images(std::size_t count, double test_fraction, std::uint64_t seed);

}  // namespace lsc
