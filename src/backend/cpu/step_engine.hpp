#pragma once
// The CPU backend of StepEngine (internal; use make_step_engine).
#include <memory>

#include "lsc/backend/step_engine.hpp"

namespace lsc::detail {

std::unique_ptr<StepEngine> make_cpu_step_engine(const EngineOptions& options);

// The checks of StepEngine::load and set_batch the CPU engines share, one sentence each: the
// chains have K coefficients and ids; the batch is D×N and finite.
void require_chains_fit(const Model& model, const ChainState& chains);
void require_batch_fits(const Matrix& X, Index D, Index N);

}  // namespace lsc::detail
