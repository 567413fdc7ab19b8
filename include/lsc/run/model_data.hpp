#pragma once
// The data a fixed model is applied to (`lsc infer --data`, `lsc eval loglik --data`, lsc.infer,
// lsc.evaluate_loglik), read in one place: an .npy file of shape (N, D), or "images:PATH" cut into
// patches with exactly the transform the model was trained with (model.json "preprocessing").
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "lsc/core/types.hpp"

namespace lsc::run {

// D×N. recipe: the model's preprocessing (null when it has none: then images are refused with
// one sentence); patches: how many to cut from images (0: kDefaultPatches); seed: which.
// Patches cut from images:PATH unless asked otherwise: the CLI's and Python's one default.
inline constexpr Index kDefaultPatches = 10000;

Matrix open_model_data(const std::string& spec, const nlohmann::json& recipe, Index D, Index patches,
                       std::uint64_t seed);

}  // namespace lsc::run
