#pragma once
// Transient analyses through libngspice (Debian's libngspice0-dev): a netlist given as text, run
// in this process, node voltages handed back without files. The library is one global simulator
// per process, so calls are serialized; run parallel simulations in separate processes.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lsc::circuit {

// Whether this build has libngspice; if not, `why` says what to install, in one sentence.
bool ngspice_available(std::string* why = nullptr);

struct Transient {
  std::vector<double> time;                  // s, the analysis' output points
  std::vector<std::vector<double>> voltages;  // V, one series per requested node, same length
};

// The current of an EXTERNAL current source of the netlist (its name as ngspice writes it, in
// lower case) at time t, in amperes.
using ExternalCurrent = std::function<double(const std::string& source, double t)>;

// Loads the netlist (its lines, the title first and ".end" last, with its own .tran line), runs
// it, with `external` giving the EXTERNAL sources' currents, and returns the voltages of `nodes`.
// Throws Error with one sentence when ngspice rejects the netlist or the analysis fails.
Transient run_transient(const std::vector<std::string>& netlist, const std::vector<std::string>& nodes,
                        const ExternalCurrent& external = {});

}  // namespace lsc::circuit
