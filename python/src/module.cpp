// _lsc: the C++ core for Python. Only conversions and calls live here; every algorithm and every
// default stays in lsc_core (docs/python.md).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/prior/prior.hpp"
#include "lsc/run/infer.hpp"
#include "lsc/run/train.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_lsc, m) {
  m.doc() = "The lsc C++ core (Langevin sparse coding); use the lsc package, which wraps it.";
  // Every lsc::Error (bad input: one sentence saying what is wrong and what to change) becomes
  // lsc.LscError, a ValueError.
  py::register_exception<lsc::Error>(m, "LscError", PyExc_ValueError);
  m.attr("__version__") = LSC_VERSION;
  m.attr("CLI_PATH") = LSC_CLI_PATH;  // the lsc command built next to this module
  m.attr("SCRIPTS_DIR") = LSC_SCRIPTS_DIR;  // scripts/ of the source tree: the plotting scripts
  m.def("train_methods", &lsc::run::train_methods, "The learning methods: dsc, lca, ssc, lsc.");
  m.def("infer_methods", &lsc::run::infer_methods, "The inference methods: map, lca, langevin, mala.");
  m.def("prior_names", &lsc::Prior::names, "The priors: l0, l1, laplace, gaussian, cauchy.");
  m.def("set_threads", &lsc::set_threads, py::arg("n"),
        "Threads of the core's loops (0: all cores); train and infer set it from their threads option.");
  m.def("threads", &lsc::threads, "Threads the core uses now.");
  lsc::python::bind_model(m);
  lsc::python::bind_data(m);
  lsc::python::bind_train(m);
  lsc::python::bind_infer(m);
  lsc::python::bind_run_folder(m);
  lsc::python::bind_evaluate(m);
  lsc::python::bind_diagnostics(m);
}
