#include "lsc/data/patches.hpp"

#include <string>

#include "lsc/core/error.hpp"
#include "lsc/core/rng.hpp"

namespace lsc {

Matrix sample_patches(const std::vector<io::Image>& images, Index count, const PatchOptions& o, std::uint64_t first) {
  require(!images.empty(), "no images to sample patches from; pass a folder, .mat or .npy with at least one image.");
  require(o.size >= 1 && o.border >= 0, "the patch size must be at least 1 and the border at least 0.");
  for (const io::Image& im : images)
    require(im.height >= o.size + 2 * o.border && im.width >= o.size + 2 * o.border,
            im.source + ": the image (" + std::to_string(im.height) + "x" + std::to_string(im.width) +
                ") is smaller than a " + std::to_string(o.size) + "x" + std::to_string(o.size) +
                " patch plus its border; use a smaller --patch or remove the image.");
  const Philox rng(o.seed);
  const Index D = Index(o.size) * o.size;
  Matrix X(D, count);
  for (Index n = 0; n < count; ++n) {
    const auto w = rng.words(Purpose::data, 2, first + static_cast<std::uint64_t>(n), 0);
    const io::Image& im = images[w[0] % images.size()];
    const int r0 = o.border + static_cast<int>(w[1] % static_cast<std::uint32_t>(im.height - 2 * o.border - o.size + 1));
    const int c0 = o.border + static_cast<int>(w[2] % static_cast<std::uint32_t>(im.width - 2 * o.border - o.size + 1));
    for (int r = 0; r < o.size; ++r)
      for (int c = 0; c < o.size; ++c) X(Index(r) * o.size + c, n) = im.at(r0 + r, c0 + c);
  }
  return X;
}

ImageSplit split_images(std::size_t count, double test_fraction, std::uint64_t seed) {
  require(test_fraction >= 0 && test_fraction < 1, "the held-out fraction must lie in [0, 1).");
  const Philox rng(seed);
  ImageSplit s;
  for (std::size_t i = 0; i < count; ++i)
    (rng.uniform(Purpose::data, 3, i) <= test_fraction ? s.test : s.train).push_back(i);
  return s;
}

}  // namespace lsc
