#pragma once
// lsc circuit: the inference circuit of appendices C-D simulated by ngspice
// (include/lsc/circuit/inference_circuit.hpp, docs/circuit.md), for one data point; with --learn
// the batched learning circuit of C.B and E (learning_circuit.hpp), into a run folder.
#include <CLI/CLI.hpp>

#include <string>

#include "lsc/circuit/inference_circuit.hpp"
#include "lsc/run/training_data.hpp"

namespace lsc::cli {

class CircuitCommand {
 public:
  explicit CircuitCommand(CLI::App& app);  // registers `circuit`
  bool parsed() const { return command_->parsed(); }
  int run();  // throws lsc::Error for bad input

 private:
  int run_inference(const Model& model);
  int run_learning(Model model);

  CLI::App* command_ = nullptr;
  circuit::CircuitOptions options_ = [] {
    circuit::CircuitOptions o;
    o.smoothing = -1;  // by prior: see --smoothing
    return o;
  }();
  std::string model_dir_, dictionary_, prior_ = "l0", data_, noise_ = "white", multiplier_ = "ideal", out_;
  Real pi_ = 0.3, lambda_ = 1, sigma_ = 0.5;
  Index point_ = 0;
  Real duration_tau_ = 200, noise_step_tau_ = 0, correlation_tau_ = 0, sample_step_tau_ = 0.1, burn_in_tau_ = -1;  // -1: see --burn-in
  std::vector<Real> start_;
  bool no_plots_ = false;
  // --learn: the learning circuit, times in units of tau_u.
  bool learn_ = false, compare_ = true;
  Index K_ = 8, batch_ = 4;
  std::uint64_t batches_ = 10;
  Real tau_A_tau_ = 20, tau_x_tau_ = 2, init_norm_ = 0.5;
  run::TrainingDataOptions data_options_;
};

}  // namespace lsc::cli
