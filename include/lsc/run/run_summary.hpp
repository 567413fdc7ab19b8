#pragma once
// summary.json of a run: what a person or a script checks first. The fields are listed once in
// run_summary_fields() (run/records.hpp); the CLI prints from it and Python reads it as a dict.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lsc/run/train.hpp"

namespace lsc::run {

struct RunSummary {
  std::string method, prior;
  Real pi = 0, lambda = 0, sigma = 0;
  double elapsed_s = 0;
  std::uint64_t steps = 0;
  Real acceptance = 1;   // MALA acceptance over the run (1 for the other dynamics)
  Real tau_u_final = 0;  // τ_u at the last metrics row (adapted for MALA)
  std::optional<Real> elbo;  // svae: ELBO over the last metrics window, nats per point
  // Bars (the true dictionary known): elements recovered (best |cosine| ≥ 0.95), and the best
  // |cosine| of every true element.
  std::optional<Index> bars_recovered;
  std::vector<Real> bars_best_abs_cosine;
  // Image runs (a preprocessing recipe): Gabor fits and the used/unused split (evaluate_dictionary.hpp).
  nlohmann::json dictionary_quality;
};

// The summary of a result; truth (D×K, may be null) is the true dictionary (bars), preprocessing
// the recipe of image runs (null otherwise).
RunSummary run_summary(const TrainResult& result, const Matrix* truth = nullptr,
                       const nlohmann::json& preprocessing = nullptr);

}  // namespace lsc::run
