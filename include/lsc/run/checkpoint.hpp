#pragma once
// Checkpoint files: the whole state of a training run (dictionary, parameters, chains, metrics so
// far) in one file written atomically, so that a run killed at any moment resumes bit-exactly
// from its last checkpoint. Layout: "LSCCKPT1", a little-endian uint64 length, that many bytes
// of JSON (configuration and scalars), then the raw float64 arrays A (D×K), U (K×N) and the
// uint64 chain ids, column-major, and last the learner's extra float64 arrays (LearnerState::extra;
// their sizes are the JSON's "extra").
#include <filesystem>

#include "lsc/run/train.hpp"

namespace lsc::run {

void save_checkpoint(const std::filesystem::path& file, const TrainCheckpoint& checkpoint, const TrainConfig& config);

// Reads a checkpoint and checks that it was written by a run with the same configuration as
// `config` (all settings but steps, metrics_every and threads); throws Error otherwise.
TrainCheckpoint load_checkpoint(const std::filesystem::path& file, const TrainConfig& config);

}  // namespace lsc::run
