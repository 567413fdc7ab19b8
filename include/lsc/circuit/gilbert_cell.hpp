#pragma once
// The transistor-level multiplier of the Langevin paper's appendix C.A (eq. 61): a Gilbert cell of
// six NPN transistors in ngspice's Gummel-Poon model. Its differential output current is
//   ΔI = α_F²·I_EE·tanh(v_a / 2V_T)·tanh(v_b / 2V_T) ≈ α_F²·I_EE·v_a·v_b / (4V_T²),
// a product for |v| ≪ 2V_T ≈ 52 mV, with α_F = β_F/(β_F + 1). Cells whose outputs share a pair of
// load resistors sum their currents (app. E's shared wires), so a row of cells is a dot product.
//
// Component values (the paper gives none; docs/circuit.md): I_EE = 1 mA tail current to
// V_EE = −5 V, load resistors to V_CC = +5 V sized so that a row's quiescent drop is 1 V, the
// lower pair's bases at 0 V and the upper quad's at 1.5 V (every transistor stays forward-active),
// and inputs of `input_volts` per unit (5 mV: tanh's relative error, x²/3, is 0.3% at one unit).
#include <string>
#include <vector>

namespace lsc::circuit {

struct GilbertCell {
  double tail_current = 1e-3;  // A, I_EE
  double input_volts = 5e-3;   // V per unit at either input
  double supply = 5.0;         // V, V_CC = +supply, V_EE = −supply
  double upper_bias = 1.5;     // V, the upper quad's base common mode (the lower pair's is 0 V)
  double row_drop = 1.0;       // V, quiescent drop over each load resistor of a row

  // The .model and .subckt lines: `gilbert ap am bp bm op om vcc vee`, with a = V(ap) − V(am)
  // at the upper quad, b = V(bp) − V(bm) at the lower pair, and the output current flowing into
  // op and om.
  std::vector<std::string> definitions() const;

  // The load resistance of a row of `cells` cells.
  double load(int cells) const;

  // The measured output current per unit² of the product a·b: one cell simulated in ngspice at
  // a = b = ±0.1 unit, (ΔI(+,+) − ΔI(+,−) − ΔI(−,+) + ΔI(−,−))/(4·0.01), which cancels any
  // offset. A trim, as a real circuit would have; the tests compare it with α_F²·I_EE·v²/(4V_T²).
  double gain() const;
};

}  // namespace lsc::circuit
