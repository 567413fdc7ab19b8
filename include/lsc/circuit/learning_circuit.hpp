#pragma once
// The batched learning circuit of the Langevin paper's appendices C.B and E (docs/circuit.md): N
// copies of the inference circuit (inference_circuit.hpp), one per data point of the batch, share
// the dictionary, whose D·K entries are voltages on integrators with time constant τ_A:
//   τ_A dA/dt = −(1/(N σ²)) Σ_n (A s_n − x_n) s_nᵀ     (eq. 3.11 in continuous time; the sum over
//                                                       n is app. E's currents on shared wires)
// The residuals r_n = A s_n − x_n and the drives g_n = Aᵀ r_n are behavioural sources (the
// Gilbert-cell grids of app. C.A), and the data x_n are voltage sources that switch to the next
// batch every τ_x, the batches of lsc's own learners (BatchSource).
#include <cstdint>
#include <vector>

#include "lsc/circuit/inference_circuit.hpp"
#include "lsc/data/batch_source.hpp"

namespace lsc::circuit {

struct LearningCircuitOptions {
  CircuitOptions circuit;   // τ_u, C, α, T, noise, smoothing, seed; duration = batches·τ_x
  Real tau_A = 20e-3;       // s
  Real tau_x = 2e-3;        // s each batch is held
  Index batch = 4;          // N chains, one per data point of a batch
  std::uint64_t batches = 10;
};

struct LearningTrace {
  std::vector<double> time;   // s
  std::vector<Matrix> A;      // the dictionary at each time (D × K)
  std::vector<Matrix> S;      // the coefficients at each time (K × N: chain n holds point n of the batch)
  double wall_s = 0;
};

std::vector<std::string> learning_netlist(const Model& model, const BatchSource& data, const LearningCircuitOptions& options);

// Builds and runs the netlist through libngspice; model.A is the start.
LearningTrace simulate_learning(const Model& model, const BatchSource& data, const LearningCircuitOptions& options);

// The same learning by lsc's own SimultaneousLearner, with time steps ε·τ_u: SSC's gradient flow
// for l1, eq. 3.9's Euler steps otherwise, at the circuit's temperature (0 without noise; its
// noise is then the learner's own, not the circuit's). The dictionary after each batch (D × K).
std::vector<Matrix> learning_equation_solution(const Model& model, const BatchSource& data,
                                               const LearningCircuitOptions& options, Real eps = 0.01);

}  // namespace lsc::circuit
