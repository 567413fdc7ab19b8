// The transistor-level multipliers (gilbert_cell.hpp, docs/circuit.md): the cell's gain against
// the bipolar theory, and the L1-SSC circuit built from 2·D·K cells against lsc's SSC solution.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "lsc/circuit/gilbert_cell.hpp"
#include "lsc/circuit/inference_circuit.hpp"
#include "lsc/circuit/ngspice.hpp"

namespace lsc::circuit {
namespace {

class GilbertCellTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!ngspice_available(&why)) GTEST_SKIP() << why;
  }
};

// ΔI = α_F²·I_EE·tanh(v_a/2V_T)·tanh(v_b/2V_T): at 0.1 unit (0.5 mV) the tanh's are linear to
// 3e-5, and the model (no base or emitter resistance, no high-level injection) has no other
// error, so the trimmed gain equals α_F²·I_EE·β²/(4V_T²) to the simulator's tolerance.
TEST_F(GilbertCellTest, GainIsTheBipolarProductsSmallSignalGain) {
  const GilbertCell cell;
  const double alpha_F = 100.0 / 101.0;
  const double V_T = 1.380649e-23 * 300.15 / 1.602176634e-19;  // ngspice's default 27 °C
  const double theory = alpha_F * alpha_F * cell.tail_current * cell.input_volts * cell.input_volts / (4 * V_T * V_T);
  const double gain = cell.gain();
  std::cout << "Gilbert cell gain " << gain << " A per unit^2, theory " << theory << "\n";
  EXPECT_NEAR(gain / theory, 1.0, 1e-3);
}

// Fig. 13a with transistors: the noiseless L1 circuit whose coupling g = Aᵀ(A s − x) runs through
// 12 Gilbert cells (72 transistors) against SSC's gradient flow, from zero. The cells' products
// are tanh's: relative error (β v / 2V_T)²/3 ≈ 3e-3 per unit² of their inputs, which here reach
// about 0.7 (s) and 0.9 (r at the start), so about 2.5e-3 is expected; the bound is 4× that.
TEST_F(GilbertCellTest, NoiselessL1CircuitWithGilbertCellsFollowsSsc) {
  Model m;
  m.A.resize(3, 2);
  m.A << 1.0, 0.6, 0.0, 0.8, 0.2, 0.1;  // the K = 2 case of ../shared/docs/science.md
  m.sigma = 0.5;
  m.prior = Prior::make(PriorKind::l1, 1.0, 1.0);
  const Vector x{{0.9, 0.7, 0.1}};
  CircuitOptions o;
  o.noise = Noise::none;
  o.multiplier = Multiplier::gilbert;
  o.smoothing = 1e-6;
  o.duration = 6 * o.tau_u;
  const CircuitTrace t = simulate_inference(m, x, o);
  const Matrix reference = equation_solution(m, x, o, t.time);
  const double worst = (t.S - reference).cwiseAbs().maxCoeff();
  std::cout << "largest |s_gilbert - s_SSC| over 6 tau: " << worst << " (s reaches " << t.S.col(t.S.cols() - 1).transpose()
            << "), " << t.wall_s << " s of wall time\n";
  EXPECT_GT(reference.col(reference.cols() - 1).maxCoeff(), 0.3);
  EXPECT_LT(worst, 1e-2);
}

}  // namespace
}  // namespace lsc::circuit
