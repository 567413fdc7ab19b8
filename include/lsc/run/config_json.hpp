#pragma once
// The training configuration as JSON: recorded in model.json and in checkpoints, and compared
// on resume.
#include <nlohmann/json.hpp>

#include "lsc/run/train.hpp"

namespace lsc::run {

nlohmann::json config_json(const TrainConfig& config);

}  // namespace lsc::run
