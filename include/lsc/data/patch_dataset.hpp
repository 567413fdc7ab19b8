#pragma once
// Natural-image patch data sets: images from a folder / .mat / .npy, Olshausen-Field whitening
// of each whole image or PCA/ZCA whitening fit on the patches, a held-out split by image, random
// patches, optional per-patch normalization. Shared by `lsc patches`, `lsc train --data
// images:PATH`, `lsc infer` (which re-applies a model's recipe) and the experiments.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "lsc/data/patches.hpp"
#include "lsc/data/whitening.hpp"

namespace lsc {

struct PatchDataOptions {
  std::string path;          // folder, .mat, .npy or image file
  std::string variable;      // .mat variable (default: the first numeric one)
  std::string whiten = "olshausen";  // olshausen (per image) | pca | zca (per patch) | none
  Real cutoff = 0.4;         // Olshausen-Field roll-off f0, cycles/pixel
  // Variance of every whitened image (olshausen). sparsenet's IMAGES.mat uses 0.1; the paper
  // does not state its data's scale, and σ = 0.3 is relative to it (docs/results.md, Fig. 8-9).
  Real image_variance = 1.0;
  // PCA/ZCA: the kept fraction of the p² components, by variance or, as SVAE §4.1 with
  // keep = π/4, by lowest spatial frequency.
  Real keep = 1.0;
  bool keep_by_frequency = false;
  // A transform fit before (a trained model's): applied as it is instead of being refit, so
  // that new data get exactly the model's preprocessing.
  std::optional<PcaWhitening> fitted;
  PatchOptions patches;
  Index count = 100000;
  double test_fraction = 0;  // fraction of images held out
  std::string subset = "all";  // train | test | all
  bool remove_mean = false, normalize_variance = false;
};

struct PatchData {
  Matrix X;                     // D×count (D = p², or the kept components for pca)
  nlohmann::json preprocessing; // everything needed to make the same patches again
  std::optional<PcaWhitening> pca;  // the fitted PCA/ZCA transform, when whiten is pca or zca
};

PatchData load_patches(const PatchDataOptions& options);

// The recipe as saved in model.json ("preprocessing") and X.npy.json, and back.
nlohmann::json to_json(const PatchDataOptions& options);
// With a fitted PCA/ZCA in the recipe, `fitted` is set so that it is re-applied, not refit.
PatchDataOptions patch_options_from_json(const nlohmann::json& recipe);

// Dictionary elements (columns) in the pixel space of the recipe's patches, for display: PCA
// elements are mapped back through the inverse whitening (without the mean); every other
// recipe already lives on the p×p pixel grid and is returned as it is.
Matrix elements_in_pixel_space(const Matrix& A, const nlohmann::json& recipe);

}  // namespace lsc
