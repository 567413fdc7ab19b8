#pragma once
// The parts of the _lsc module, one function per area of the core (python/src/*.cpp).
#include <pybind11/pybind11.h>

namespace lsc::python {

namespace py = pybind11;

void bind_model(py::module_& m);       // Prior, Model
void bind_data(py::module_& m);        // BarsOptions, BatchSource, BarsSource, ArraySource, patches, npy
void bind_train(py::module_& m);       // TrainConfig, MetricsRow, TrainResult, resolve_defaults, train
void bind_infer(py::module_& m);       // InferConfig, infer
void bind_run_folder(py::module_& m);  // save_run, load_model, mosaics, evaluation, experiments
void bind_evaluate(py::module_& m);    // LoglikConfig, evaluate_loglik (AIS)
void bind_diagnostics(py::module_& m); // diagnostics (R-hat, ESS, MCSE of MCMC draws)

}  // namespace lsc::python

#include <string>
#include <vector>

#include "lsc/eval/diagnostics.hpp"

namespace lsc::python {

// Adds the fields of d (rhat, ess_bulk, ...), each as an array of the given shape, to out under
// their names plus suffix ("rhat_active").
void add_diagnostics(py::dict& out, const std::vector<Diagnostics>& d, const std::vector<py::ssize_t>& shape,
                     const std::string& suffix = "");

}  // namespace lsc::python
