#include "lsc/circuit/ngspice.hpp"

#include <mutex>

#include "lsc/core/error.hpp"

#if defined(LSC_HAVE_NGSPICE)
#include <ngspice/sharedspice.h>
#endif

namespace lsc::circuit {

#if defined(LSC_HAVE_NGSPICE)
namespace {

std::mutex g_ngspice;          // the library's one simulator
std::string g_first_error;     // the first error line of the current call
const ExternalCurrent* g_external = nullptr;  // the current call's EXTERNAL sources

int on_output(char* line, int, void*) {
  const std::string s(line);
  // ngspice prefixes its stderr lines with "stderr "; errors say "Error".
  if (g_first_error.empty() && s.find("rror") != std::string::npos) g_first_error = s.substr(s.rfind("stderr ", 0) == 0 ? 7 : 0);
  return 0;
}
int on_status(char*, int, void*) { return 0; }
int on_exit(int, NG_BOOL, NG_BOOL, int, void*) { return 0; }
int on_current(double* value, double t, char* name, int, void*) {
  *value = g_external && *g_external ? (*g_external)(name, t) : 0.0;
  return 0;
}

void command(const std::string& c) { ngSpice_Command(const_cast<char*>(c.c_str())); }

void start_once() {
  static const bool started = [] {
    ngSpice_Init(on_output, on_status, on_exit, nullptr, nullptr, nullptr, nullptr);
    int ident = 0;
    ngSpice_Init_Sync(nullptr, on_current, nullptr, &ident, nullptr);
    return true;
  }();
  (void)started;
}

}  // namespace

bool ngspice_available(std::string*) { return true; }

Transient run_transient(const std::vector<std::string>& netlist, const std::vector<std::string>& nodes,
                        const ExternalCurrent& external) {
  const std::lock_guard<std::mutex> lock(g_ngspice);
  start_once();
  g_first_error.clear();
  g_external = &external;
  struct Reset {
    ~Reset() { g_external = nullptr; }
  } reset;
  command("destroy all");  // the previous analyses' vectors
  command("remcirc");
  std::vector<std::string> lines = netlist;
  std::vector<char*> pointers;
  for (std::string& l : lines) pointers.push_back(l.data());
  pointers.push_back(nullptr);
  require(ngSpice_Circ(pointers.data()) == 0 && g_first_error.empty(),
          "ngspice rejected the circuit (" + g_first_error + "); this is a bug in the netlist lsc wrote, please report it.");
  command("run");
  require(g_first_error.empty(), "the transient analysis failed in ngspice (" + g_first_error +
                                     "); try a smaller --noise-step or a shorter --duration.");
  Transient t;
  // ngGet_Vec_Info returns one static record, overwritten by the next call: copy at once.
  const auto vector_of = [](const std::string& name) {
    const pvector_info v = ngGet_Vec_Info(const_cast<char*>(name.c_str()));
    require(v != nullptr && v->v_realdata != nullptr, "ngspice produced no vector '" + name + "'; the analysis did not run.");
    return std::vector<double>(v->v_realdata, v->v_realdata + v->v_length);
  };
  t.time = vector_of("time");
  for (const std::string& n : nodes) {
    t.voltages.push_back(vector_of(n));
    require(t.voltages.back().size() == t.time.size(), "ngspice returned vectors of different lengths.");
  }
  command("destroy all");
  return t;
}

#else

bool ngspice_available(std::string* why) {
  if (why) *why = "lsc was built without libngspice; install it (apt-get install libngspice0-dev) and rebuild (bash scripts/setup.sh).";
  return false;
}

Transient run_transient(const std::vector<std::string>&, const std::vector<std::string>&, const ExternalCurrent&) {
  std::string why;
  ngspice_available(&why);
  throw Error(why);
}

#endif

}  // namespace lsc::circuit
