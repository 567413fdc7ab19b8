#pragma once
// Natural-image patch data sets: images from a folder / .mat / .npy, Olshausen-Field whitening
// of each whole image, a held-out split by image, random patches, optional per-patch
// normalization. Shared by `lsc patches` and `lsc train --data images:PATH`.
#include <string>

#include <nlohmann/json.hpp>

#include "lsc/data/patches.hpp"

namespace lsc {

struct PatchDataOptions {
  std::string path;          // folder, .mat, .npy or image file
  std::string variable;      // .mat variable (default: the first numeric one)
  std::string whiten = "olshausen";  // olshausen | none
  Real cutoff = 0.2;         // Olshausen-Field roll-off f0, cycles/pixel
  PatchOptions patches;
  Index count = 100000;
  double test_fraction = 0;  // fraction of images held out
  std::string subset = "all";  // train | test | all
  bool remove_mean = false, normalize_variance = false;
};

struct PatchData {
  Matrix X;                     // D×count
  nlohmann::json preprocessing; // everything needed to make the same patches again
};

PatchData load_patches(const PatchDataOptions& options);

// The recipe as saved in model.json ("preprocessing") and X.npy.json, and back.
nlohmann::json to_json(const PatchDataOptions& options);
PatchDataOptions patch_options_from_json(const nlohmann::json& recipe);

}  // namespace lsc
