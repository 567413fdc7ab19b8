// The batched learning circuit (circuit/learning_circuit.hpp) against lsc's own learner with the
// same settings: noiseless L1 (the SSC circuit of app. C.B), 4×4 bars, K = 8, four chains.
#include <gtest/gtest.h>

#include <iostream>

#include "lsc/circuit/learning_circuit.hpp"
#include "lsc/circuit/ngspice.hpp"
#include "lsc/data/bars.hpp"

namespace lsc::circuit {
namespace {

TEST(LearningCircuit, NoiselessL1CircuitLearnsTheDictionaryOfLscsLearner) {
  std::string why;
  if (!ngspice_available(&why)) GTEST_SKIP() << why;
  BarsOptions bars;
  bars.size = 4;
  const BarsSource data(bars);
  Model m;
  m.A = 0.5 * random_dictionary(16, 8, 3);  // columns of norm about 0.5
  m.sigma = 0.5;
  m.prior = Prior::make(PriorKind::l1, 1.0);

  LearningCircuitOptions o;
  o.circuit.noise = Noise::none;
  o.circuit.smoothing = 1e-6;
  o.tau_A = 20 * o.circuit.tau_u;
  o.tau_x = 2 * o.circuit.tau_u;
  o.batch = 4;
  o.batches = 10;
  const LearningTrace t = simulate_learning(m, data, o);

  // The same dynamics in lsc: SSC's gradient flow at ε = Δt/τ_u = 0.01.
  const Matrix lsc = learning_equation_solution(m, data, o, 0.01).back();

  const Matrix& circuit = t.A.back();
  const double moved = (lsc - m.A).cwiseAbs().maxCoeff(), differ = (circuit - lsc).cwiseAbs().maxCoeff();
  std::cout << "the dictionary moved by up to " << moved << "; circuit against lsc: " << differ << "; simulated "
            << t.time.back() << " s in " << t.wall_s << " s\n";
  EXPECT_GT(moved, 0.05);
  EXPECT_LT(differ, 0.05 * moved);
}

}  // namespace
}  // namespace lsc::circuit
