#include "lsc/circuit/gilbert_cell.hpp"

#include <algorithm>

#include "lsc/circuit/inference_circuit.hpp"
#include "lsc/circuit/ngspice.hpp"

namespace lsc::circuit {

std::vector<std::string> GilbertCell::definitions() const {
  const auto num = spice_number;
  return {
      // A small-signal NPN (is, bf as in ngspice's defaults' range); no Early effect, so the
      // cell's error is tanh's alone.
      ".model qn npn(is=1e-16 bf=100)",
      ".subckt gilbert ap am bp bm op om vcc vee",
      "Q1 op ap e1 qn",
      "Q2 om am e1 qn",
      "Q3 op am e2 qn",
      "Q4 om ap e2 qn",
      "Q5 e1 bp t qn",
      "Q6 e2 bm t qn",
      "IT t vee " + num(tail_current),
      ".ends gilbert",
  };
}

double GilbertCell::load(int cells) const { return row_drop / (std::max(cells, 1) * tail_current / 2); }

double GilbertCell::gain() const {
  const auto num = spice_number;
  const double v = 0.1 * input_volts / 2, R = load(1);
  std::vector<std::string> net = {"* lsc: Gilbert cell gain trim"};
  for (const std::string& line : definitions()) net.push_back(line);
  net.push_back("VCC vcc 0 " + num(supply));
  net.push_back("VEE vee 0 " + num(-supply));
  std::vector<std::string> nodes;
  const int signs[4][2] = {{1, 1}, {1, -1}, {-1, 1}, {-1, -1}};
  for (int c = 0; c < 4; ++c) {
    const std::string n = std::to_string(c);
    const double a = signs[c][0] * v, b = signs[c][1] * v;
    net.push_back("VAP" + n + " ap" + n + " 0 " + num(upper_bias + a));
    net.push_back("VAM" + n + " am" + n + " 0 " + num(upper_bias - a));
    net.push_back("VBP" + n + " bp" + n + " 0 " + num(b));
    net.push_back("VBM" + n + " bm" + n + " 0 " + num(-b));
    net.push_back("RP" + n + " vcc op" + n + " " + num(R));
    net.push_back("RM" + n + " vcc om" + n + " " + num(R));
    net.push_back("X" + n + " ap" + n + " am" + n + " bp" + n + " bm" + n + " op" + n + " om" + n + " vcc vee gilbert");
    nodes.push_back("op" + n);
    nodes.push_back("om" + n);
  }
  net.push_back(".options reltol=1e-9 abstol=1e-15 vntol=1e-12");
  net.push_back(".tran 1e-9 2e-9");
  net.push_back(".end");
  const Transient t = run_transient(net, nodes);
  double sum = 0;
  for (int c = 0; c < 4; ++c) {
    // ΔI = I(op) − I(om) = (V(om) − V(op)) / R.
    const double dI = (t.voltages[2 * c + 1].back() - t.voltages[2 * c].back()) / R;
    sum += signs[c][0] * signs[c][1] * dI;
  }
  return sum / (4 * 0.1 * 0.1);
}

}  // namespace lsc::circuit
