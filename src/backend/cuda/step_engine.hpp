#pragma once
// The CUDA backend of StepEngine (internal; use make_step_engine). Only in builds with
// -DLSC_CUDA=ON (LSC_HAVE_CUDA); src/backend/cuda/step_engine.cu defines these.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lsc/backend/step_engine.hpp"

namespace lsc::detail {

// Whether a CUDA device is visible; if not, `why` says so in one sentence. Never aborts, so a
// build with CUDA runs (and its CUDA tests skip) on a machine without a GPU or driver.
bool cuda_device_available(std::string* why);

std::unique_ptr<StepEngine> make_cuda_step_engine(const EngineOptions& options);

// For the tests: noise::normals4 evaluated on the device for blocks 0 .. blocks−1 of each chain
// at (seed, purpose, step); out[(c·blocks + b)·4 + i] is normal i of block b of chains[c].
void cuda_normals(std::uint64_t seed, std::uint32_t purpose, std::uint64_t step,
                  const std::vector<std::uint64_t>& chains, std::uint32_t blocks, std::vector<float>& out);
void cuda_normals(std::uint64_t seed, std::uint32_t purpose, std::uint64_t step,
                  const std::vector<std::uint64_t>& chains, std::uint32_t blocks, std::vector<double>& out);

}  // namespace lsc::detail
