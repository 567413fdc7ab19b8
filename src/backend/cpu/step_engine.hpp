#pragma once
// The CPU backend of StepEngine (internal; use make_step_engine).
#include <memory>

#include "lsc/backend/step_engine.hpp"

namespace lsc::detail {

std::unique_ptr<StepEngine> make_cpu_step_engine(const EngineOptions& options);

}  // namespace lsc::detail
