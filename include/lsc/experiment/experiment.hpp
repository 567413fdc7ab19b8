#pragma once
// Reproductions of the paper's figures, one command each (`lsc experiment NAME --out DIR`).
// Every experiment writes DIR/summary.json (its numbers, machine-readable), the CSV data behind
// each plot; the front ends then draw the plots from them (scripts/plot_experiment.py, matplotlib).
// The numbers all come from the core's services; this layer only sets up the runs and records them.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lsc::experiment {

struct Options {
  std::filesystem::path out;
  bool quick = false;  // reduced version: under two minutes on 2 cores, still showing the effect
  int threads = 0;
  // Natural images for fig8 / fig9 (folder, .mat or .npy stack). Empty: $LSC_IMAGES, else the
  // BSDS300 training images in ../shared/data beside the repository.
  std::filesystem::path images;
  // fig8 / fig9: L0 dead-zone jumps in the sampler (LangevinOptions::dead_zone_jumps); the
  // paper's dynamics have none.
  bool dead_zone_jumps = false;
  std::function<void(const std::string&)> log;  // one line per stage
  // Within a long stage: steps done of total, and a short detail (π, mean norm).
  std::function<void(std::uint64_t done, std::uint64_t total, const std::string& detail)> progress;
};

struct Experiment {
  std::string name;
  std::string description;
  std::function<nlohmann::json(const Options&)> run;  // returns summary.json's content
};

const std::vector<Experiment>& registry();

// Runs one experiment: creates the folder, runs it, writes summary.json (no plots: see above).
nlohmann::json run(const std::string& name, const Options& options);

}  // namespace lsc::experiment
