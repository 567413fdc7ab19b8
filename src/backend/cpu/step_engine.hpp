#pragma once
// The CPU backend of StepEngine (internal; use make_step_engine).
#include <memory>
#include <vector>

#include "lsc/backend/step_engine.hpp"
#include "step_kernel.hpp"

namespace lsc::detail {

std::unique_ptr<StepEngine> make_cpu_step_engine(const EngineOptions& options);

// The checks of StepEngine::load and set_batch the CPU engines share, one sentence each: the
// chains have K coefficients and ids; the batch is D×N and finite.
void require_chains_fit(const Model& model, const ChainState& chains);
void require_batch_fits(const Matrix& X, Index D, Index N);

// EngineStats from the chunks' sums (step_kernel.hpp), added in chunk order; `accepted` gets the
// chains accepted in the step (acceptance = accepted / N).
EngineStats stats_of_chunks(const std::vector<ChunkStats>& chunks, Index D, Index K, Index N, std::uint64_t& accepted);

}  // namespace lsc::detail
