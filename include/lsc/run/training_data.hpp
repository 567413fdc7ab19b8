#pragma once
// The data a dictionary is learned from (`lsc train --data`, lsc.train), read in one place:
//   bars          the bars data set, generated afresh from the seed (Fig. 3)
//   images:PATH   whitened patches cut from images (folder, .mat, .npy stack) with a recipe
//   FILE.npy      rows of shape (N, D); patches written by `lsc patches` carry their recipe in
//                 FILE.npy.json, so the run is an image run (drawn in pixels, Gabor-evaluated)
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "lsc/data/bars.hpp"
#include "lsc/data/batch_source.hpp"
#include "lsc/data/patch_dataset.hpp"

namespace lsc::run {

struct TrainingDataOptions {
  BarsOptions bars;         // bars (its seed is replaced by `seed`)
  PatchDataOptions images;  // images:PATH (its path and seed are replaced)
  std::uint64_t seed = 0;   // the run's seed: the bars, the patch positions, the batch order
};

struct TrainingData {
  std::unique_ptr<BatchSource> source;
  nlohmann::json preprocessing;  // the recipe of image data (null otherwise)
  std::optional<Matrix> truth;   // the true dictionary, D×K (bars)
};

// Throws Error with one sentence for an unreadable file or a bad option.
TrainingData open_training_data(const std::string& spec, TrainingDataOptions options);

}  // namespace lsc::run
