#pragma once
// The schemas of the records lsc reads and writes, each declared once (core/fields.hpp): the
// options of `lsc train`, `lsc infer`, `lsc eval loglik` and of the data (CLI and Python), the rows of
// metrics.csv (and of checkpoints), summary.json. model.json's "config" is the TrainConfig's JSON.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lsc/core/fields.hpp"
#include "lsc/data/bars.hpp"
#include "lsc/data/patch_dataset.hpp"
#include "lsc/run/evaluate_loglik.hpp"
#include "lsc/run/infer.hpp"
#include "lsc/run/run_summary.hpp"
#include "lsc/run/train.hpp"

namespace lsc::run {

const Fields<TrainConfig>& train_config_fields();
const Fields<MetricsRow>& metrics_fields();
const Fields<InferConfig>& infer_config_fields();
const Fields<LoglikConfig>& loglik_config_fields();
const Fields<RunSummary>& run_summary_fields();
// The data options: `lsc generate bars` and train's --bars-*, `lsc patches` and train's
// images:PATH options (path, count and seed are named by each command).
const Fields<BarsOptions>& bars_option_fields();
const Fields<PatchDataOptions>& patch_data_fields();

// model.json's "config": every field but the execution ones (threads, reporting), so that two
// runs that compute the same thing record the same configuration.
nlohmann::json config_json(const TrainConfig& config);
// The configuration model.json records; `what` names the file in errors. Also reads the older
// files that kept π, λ and σ under "initial".
TrainConfig config_from_json(const nlohmann::json& j, const std::string& what);

// metrics.csv: one column per field, the optional ones (elbo) only when some row has a value.
std::string metrics_csv(const std::vector<MetricsRow>& rows);
// Throws Error naming the file if it is not a metrics.csv lsc wrote.
std::vector<MetricsRow> read_metrics_csv(const std::filesystem::path& file);

}  // namespace lsc::run
