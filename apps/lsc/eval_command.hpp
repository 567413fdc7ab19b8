#pragma once
// lsc eval loglik: the AIS log-likelihood of data under a trained model (include/lsc/eval/ais.hpp).
// lsc eval dictionary: Gabor fits and the used/unused split of a run's dictionary
// (include/lsc/run/evaluate_dictionary.hpp), with plots by scripts/plot_dictionary.py.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "lsc/eval/ais.hpp"
#include "lsc/run/evaluate_dictionary.hpp"
#include "lsc/run/evaluate_loglik.hpp"

namespace lsc::cli {

class EvalCommand {
 public:
  // Registers `eval` and its `loglik` and `dictionary` subcommands on app.
  explicit EvalCommand(CLI::App& app);
  // Runs the parsed subcommand; returns the exit status. Throws lsc::Error for bad input.
  int run();

 private:
  int run_loglik();
  int run_dictionary();

  CLI::App* dictionary_ = nullptr;
  run::DictionaryEvalConfig dictionary_config_;
  std::string dictionary_run_, dictionary_out_;
  bool dictionary_json_ = false, no_plots_ = false;

  run::LoglikConfig options_;
  std::string model_dir_, data_, latents_, out_;
  Index patches_ = 0, simulate_ = 0;  // patches 0: run::kDefaultPatches
  bool quiet_ = false;
};

}  // namespace lsc::cli
