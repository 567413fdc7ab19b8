#include "lsc/data/patch_dataset.hpp"

#include <cmath>

#include "lsc/core/error.hpp"
#include "lsc/core/memory.hpp"
#include "lsc/data/whitening.hpp"

namespace lsc {

PatchData load_patches(const PatchDataOptions& o) {
  const bool pca = o.whiten == "pca" || o.whiten == "zca";
  require(pca || o.whiten == "olshausen" || o.whiten == "none",
          "unknown whitening '" + o.whiten + "'; choose olshausen, pca, zca or none.");
  require(!pca || (o.keep > 0 && o.keep <= 1),
          "the kept fraction of PCA components must lie in (0, 1]; pass e.g. --keep 0.785 (pi/4).");
  require(o.subset == "all" || o.subset == "train" || o.subset == "test",
          "unknown image subset '" + o.subset + "'; choose train, test or all.");
  require(o.count > 0, "the number of patches must be at least 1.");
  {
    const double dim = double(o.patches.size) * double(o.patches.size);
    // The patches, and a second copy while PCA whitening or the command's writing runs.
    require_memory(2 * 8.0 * double(o.count) * dim,
                   std::to_string(o.count) + " patches of " + std::to_string(o.patches.size) + "x" +
                       std::to_string(o.patches.size),
                   "ask for fewer patches");
  }
  std::vector<io::Image> images = io::read_images(o.path, o.variable);
  if (o.subset != "all") {
    const ImageSplit split = split_images(images.size(), o.test_fraction, o.patches.seed);
    const std::vector<std::size_t>& keep = o.subset == "train" ? split.train : split.test;
    require(!keep.empty(), o.path + ": the " + o.subset + " split has no images; change --test-fraction.");
    std::vector<io::Image> chosen;
    for (std::size_t i : keep) chosen.push_back(std::move(images[i]));
    images = std::move(chosen);
  }
  require(o.image_variance > 0, "the whitened images' variance must be positive; pass e.g. --image-variance 0.1.");
  if (o.whiten == "olshausen") {
    const Real scale = std::sqrt(o.image_variance);  // whiten_olshausen returns unit variance
    for (io::Image& im : images) {
      try {
        im.pixels = whiten_olshausen(im, o.cutoff).pixels;
      } catch (const Error& e) {  // which of possibly hundreds of images
        throw Error(im.source + ": " + e.what());
      }
      for (auto& v : im.pixels) v *= scale;
    }
  }
  PatchData out;
  out.X = sample_patches(images, o.count, o.patches);
  if (o.remove_mean) remove_patch_means(out.X);
  if (pca) {
    if (o.fitted) {
      out.pca = *o.fitted;
    } else {
      require(out.X.cols() >= out.X.rows(),
              "PCA whitening needs at least as many patches as pixels per patch (" + std::to_string(out.X.rows()) +
                  "); pass a larger --n / --patches.");
      const auto mode = o.whiten == "pca" ? PcaWhitening::Mode::pca : PcaWhitening::Mode::zca;
      out.pca = PcaWhitening::fit(out.X, mode, o.keep, o.keep_by_frequency);
    }
    out.X = out.pca->apply(out.X);
  }
  if (o.normalize_variance) normalize_patch_variance(out.X);
  out.preprocessing = to_json(o);
  out.preprocessing["images"] = images.size();
  if (out.pca) out.preprocessing["pca"] = out.pca->to_json();
  return out;
}

nlohmann::json to_json(const PatchDataOptions& o) {
  return {{"source", o.path},
          {"variable", o.variable},
          {"subset", o.subset},
          {"test_fraction", o.test_fraction},
          {"whiten", o.whiten},
          {"cutoff_cycles_per_pixel", o.cutoff},
          {"image_variance", o.image_variance},
          {"keep", o.keep},
          {"keep_by_frequency", o.keep_by_frequency},
          {"patch", o.patches.size},
          {"border", o.patches.border},
          {"seed", o.patches.seed},
          {"count", o.count},
          {"remove_mean", o.remove_mean},
          {"normalize_variance", o.normalize_variance}};
}

PatchDataOptions patch_options_from_json(const nlohmann::json& j) {
  PatchDataOptions o;
  try {
    o.path = j.at("source");
    o.variable = j.at("variable");
    o.subset = j.at("subset");
    o.test_fraction = j.at("test_fraction");
    o.whiten = j.at("whiten");
    o.cutoff = j.at("cutoff_cycles_per_pixel");
    o.patches.size = j.at("patch");
    o.patches.border = j.at("border");
    o.patches.seed = j.at("seed");
    o.count = j.value("count", o.count);
    o.remove_mean = j.at("remove_mean");
    o.normalize_variance = j.at("normalize_variance");
    o.image_variance = j.value("image_variance", 1.0);  // recipes from before it existed: unit variance
    o.keep = j.value("keep", 1.0);
    o.keep_by_frequency = j.value("keep_by_frequency", false);
    if (j.contains("pca")) o.fitted = PcaWhitening::from_json(j.at("pca"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("the preprocessing recipe is incomplete (") + e.what() +
                "); re-create the run with 'lsc train --data images:PATH'.");
  }
  return o;
}

Matrix elements_in_pixel_space(const Matrix& A, const nlohmann::json& recipe) {
  if (recipe.is_null() || !recipe.contains("pca") || recipe.value("whiten", "") != "pca") return A;
  const PcaWhitening w = PcaWhitening::from_json(recipe.at("pca"));
  require(A.rows() == w.output_dim(), "the dictionary has " + std::to_string(A.rows()) +
                                          " rows but the recipe's PCA keeps " + std::to_string(w.output_dim()) +
                                          " components; pass the model's own preprocessing.");
  return w.invert(A).colwise() - w.mean;
}

}  // namespace lsc
