#include "lsc/run/model_data.hpp"

#include "lsc/core/error.hpp"
#include "lsc/data/patch_dataset.hpp"
#include "lsc/io/npy.hpp"

namespace lsc::run {

Matrix open_model_data(const std::string& spec, const nlohmann::json& recipe, Index D, Index patches,
                       std::uint64_t seed) {
  if (spec.rfind("images:", 0) != 0) return io::read_npy_rows(spec, static_cast<std::size_t>(D));
  require(!recipe.is_null(), "images:PATH needs a model trained on images (the run folder of 'lsc train --data "
                             "images:...'); for other models pass patches as an .npy file or array.");
  PatchDataOptions o = patch_options_from_json(recipe);
  o.path = spec.substr(7);
  o.subset = "all";
  o.count = patches > 0 ? patches : kDefaultPatches;
  o.patches.seed = seed;
  return load_patches(o).X;
}

}  // namespace lsc::run
