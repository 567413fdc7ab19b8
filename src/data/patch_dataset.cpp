#include "lsc/data/patch_dataset.hpp"

#include "lsc/core/error.hpp"
#include "lsc/data/whitening.hpp"

namespace lsc {

PatchData load_patches(const PatchDataOptions& o) {
  require(o.whiten == "olshausen" || o.whiten == "none", "unknown whitening '" + o.whiten + "'; choose olshausen or none.");
  require(o.subset == "all" || o.subset == "train" || o.subset == "test",
          "unknown image subset '" + o.subset + "'; choose train, test or all.");
  require(o.count > 0, "the number of patches must be at least 1.");
  std::vector<io::Image> images = io::read_images(o.path, o.variable);
  if (o.subset != "all") {
    const ImageSplit split = split_images(images.size(), o.test_fraction, o.patches.seed);
    const std::vector<std::size_t>& keep = o.subset == "train" ? split.train : split.test;
    require(!keep.empty(), o.path + ": the " + o.subset + " split has no images; change --test-fraction.");
    std::vector<io::Image> chosen;
    for (std::size_t i : keep) chosen.push_back(std::move(images[i]));
    images = std::move(chosen);
  }
  if (o.whiten == "olshausen")
    for (io::Image& im : images) im.pixels = whiten_olshausen(im, o.cutoff).pixels;
  PatchData out;
  out.X = sample_patches(images, o.count, o.patches);
  if (o.remove_mean) remove_patch_means(out.X);
  if (o.normalize_variance) normalize_patch_variance(out.X);
  out.preprocessing = to_json(o);
  out.preprocessing["images"] = images.size();
  return out;
}

nlohmann::json to_json(const PatchDataOptions& o) {
  return {{"source", o.path},
          {"variable", o.variable},
          {"subset", o.subset},
          {"test_fraction", o.test_fraction},
          {"whiten", o.whiten},
          {"cutoff_cycles_per_pixel", o.cutoff},
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
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("the preprocessing recipe is incomplete (") + e.what() +
                "); re-create the run with 'lsc train --data images:PATH'.");
  }
  return o;
}

}  // namespace lsc
