#pragma once
// lsc eval loglik: the AIS log-likelihood of data under a trained model (include/lsc/eval/ais.hpp).
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "lsc/eval/ais.hpp"

namespace lsc::cli {

class EvalCommand {
 public:
  // Registers `eval` and its `loglik` subcommand on app.
  explicit EvalCommand(CLI::App& app);
  // Runs the parsed subcommand; returns the exit status. Throws lsc::Error for bad input.
  int run();

 private:
  AisOptions options_;
  std::string model_dir_, data_, latents_, out_, schedule_ = "linear";
  Index patches_ = 10000, simulate_ = 0;
  bool quiet_ = false;
};

}  // namespace lsc::cli
