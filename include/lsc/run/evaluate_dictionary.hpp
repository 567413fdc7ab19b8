#pragma once
// The dictionary-quality service (`lsc eval dictionary RUN`, lsc.evaluate_dictionary): Gabor fits
// and the used/unused split of a run's dictionary (include/lsc/eval/dictionary_quality.hpp),
// written into the run folder as
//   dictionary_quality.json  the summary numbers and every element's norm, used flag and fit
//   gabor_fits.csv           index,norm,used,r2,x0,y0,theta,frequency,phase,sigma_x,sigma_y,amplitude
// (the plots are drawn by the front ends, scripts/plot_dictionary.py).
#include <filesystem>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "lsc/eval/dictionary_quality.hpp"
#include "lsc/model/model.hpp"

namespace lsc::run {

// The patch shape of a dictionary's pixel-space elements: rows and cols when given (both > 0),
// else the recipe's square patch (model.json "preprocessing" "patch"), else √D when D is a
// square; throws Error asking for --patch-rows/--patch-cols otherwise.
std::pair<Index, Index> dictionary_patch_shape(Index pixels, const nlohmann::json& recipe, Index rows = 0,
                                               Index cols = 0);

// The quality of a D×K dictionary as learned under a preprocessing recipe (null: none): the norms
// are taken in the model's coordinates, the Gabors fitted to elements_in_pixel_space(A, recipe).
// This is the call for experiments holding a Model: dictionary_quality(model.A, recipe).
DictionaryQuality dictionary_quality(const Matrix& A, const nlohmann::json& recipe,
                                     const DictionaryQualityOptions& options = {}, Index patch_rows = 0,
                                     Index patch_cols = 0);

// The summary as JSON (dictionary_quality.json without "elements" when per_element is false;
// summary.json of image runs can embed it). NaN numbers are written as null.
nlohmann::json dictionary_quality_json(const DictionaryQuality& q, bool per_element = true);

// gabor_fits.csv: one row per element.
std::string gabor_fits_csv(const DictionaryQuality& q);

struct DictionaryEvalConfig {
  std::filesystem::path run;  // a run folder of 'lsc train' (model.json, dictionary.npy)
  std::filesystem::path out;  // where the files go; empty: the run folder
  Index patch_rows = 0, patch_cols = 0;  // 0: from the recipe or √D
  Real r2_threshold = 0.7;
  int threads = 0;            // 0: all cores
};

struct DictionaryEvalResult {
  DictionaryQuality quality;
  nlohmann::json summary;     // dictionary_quality.json as written
  std::filesystem::path out;  // the folder the files were written to
};

// Loads the run, evaluates, writes dictionary_quality.json and gabor_fits.csv (atomically).
DictionaryEvalResult evaluate_dictionary_run(const DictionaryEvalConfig& config);

}  // namespace lsc::run
