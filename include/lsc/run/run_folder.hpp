#pragma once
// A run folder is what a training run leaves for people and for later commands:
//   dictionary.npy  (K, D): one element per row (scikit-learn's components_ convention)
//   model.json      D, K, method, prior and its parameters (λ, π, u0), σ, seed, steps, version
//   metrics.csv     one column per field of metrics_fields() (run/records.hpp): step, elapsed_s,
//                   reconstruction_error, active_fraction, pi, sigma, lambda, mean_norm, tau_u
//                   (and elbo for svae)
//   summary.json    the fields of RunSummary (run/run_summary.hpp)
//   dictionary.png  the elements as a mosaic, each scaled to its own range (PCA-whitened
//                   elements mapped back to pixels)
//   encoder/        svae only: encoder.json (the layers, in order) and W (out, in), b (out) .npy files
//                   of every dense layer of the recognition networks
// Every file is written atomically.
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "lsc/run/run_summary.hpp"
#include "lsc/run/train.hpp"

namespace lsc::run {

struct RunInfo {
  std::string data;              // where the data came from ("bars", a path, images:PATH)
  nlohmann::json preprocessing;  // how image patches were made (null for other data)
  std::optional<Matrix> truth;   // the true dictionary, D×K (bars), for the summary
};

// Writes the run folder. summary.json holds `summary` when given (a run read back and saved
// again), else run_summary(result, truth, preprocessing).
void save_run(const std::filesystem::path& dir, const TrainResult& result, const RunInfo& info,
              const RunSummary* summary = nullptr);

// A run folder read back: what save_run wrote.
struct SavedRun {
  TrainResult result;  // the model, the recorded configuration, the metrics (svae: the encoder too)
  RunInfo info;        // data and preprocessing (no truth)
  std::optional<RunSummary> summary;  // summary.json, when the folder has one
};

// Throws Error naming the file if anything is missing or malformed.
SavedRun load_run(const std::filesystem::path& dir);

// The model of a run folder; throws Error naming the file if anything is missing or malformed.
Model load_model(const std::filesystem::path& dir);

// The recognition networks of an SVAE, into dir (a run folder's encoder/).
void save_encoder(const std::filesystem::path& dir, const Svae& svae);
// The SVAE of a run folder written by 'lsc train --method svae' (model and encoder/).
Svae load_svae(const std::filesystem::path& dir);

// The preprocessing recipe of a run folder (null unless it was trained on images:PATH).
nlohmann::json load_preprocessing(const std::filesystem::path& dir);

// Writes the mosaic of a D×K dictionary: square patches when D is a square, else one row each.
void save_mosaic(const std::filesystem::path& file, const Matrix& A, bool sort_by_norm = false);

}  // namespace lsc::run
