#pragma once
// lsc circuit: the inference circuit of appendices C-D simulated by ngspice
// (include/lsc/circuit/inference_circuit.hpp, docs/circuit.md), for one data point.
#include <CLI/CLI.hpp>

#include <string>

#include "lsc/circuit/inference_circuit.hpp"

namespace lsc::cli {

class CircuitCommand {
 public:
  explicit CircuitCommand(CLI::App& app);  // registers `circuit`
  bool parsed() const { return command_->parsed(); }
  int run();  // throws lsc::Error for bad input

 private:
  CLI::App* command_ = nullptr;
  circuit::CircuitOptions options_;
  std::string model_dir_, dictionary_, prior_ = "l0", data_, noise_ = "white", out_;
  Real pi_ = 0.3, lambda_ = 1, sigma_ = 0.5;
  Index point_ = 0;
  Real duration_tau_ = 200, noise_step_tau_ = 0, correlation_tau_ = 0, sample_step_tau_ = 0.1, burn_in_tau_ = -1;  // -1: see --burn-in
  std::vector<Real> start_;
  bool no_plots_ = false;
};

}  // namespace lsc::cli
