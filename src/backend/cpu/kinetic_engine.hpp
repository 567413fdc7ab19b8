#pragma once
#include <memory>

#include "lsc/backend/step_engine.hpp"

namespace lsc::detail {

// The kinetic samplers (hmc, ghmc, baoab) on the CPU, float32 or float64, one rank.
std::unique_ptr<StepEngine> make_cpu_kinetic_engine(const EngineOptions& options);

}  // namespace lsc::detail
