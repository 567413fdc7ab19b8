// Inference: InferConfig (every option of `lsc infer`) and infer(), X read in place. The GIL is
// released while the chains run; the core's should_stop and progress callbacks take it back to
// check for Ctrl-C and to report progress.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <chrono>

#include "arrays.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "fields.hpp"
#include "progress.hpp"
#include "lsc/run/infer.hpp"
#include "lsc/run/records.hpp"

namespace lsc::python {

using namespace pybind11::literals;
using run::InferConfig;

namespace {

py::dict infer_py(const Model& model, py::handle X, const InferConfig& config, py::object on_progress) {
  const ColumnsArg x(X, "X", model.D());
  run::InferCallbacks cb;
  cb.on_progress = progress_to_python(on_progress);
  // Ctrl-C between sampler steps, checked at most every 50 ms so that small problems, whose
  // steps take microseconds, do not queue for the GIL at every step.
  auto last_check = std::chrono::steady_clock::now();
  cb.should_stop = [&] {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check < std::chrono::milliseconds(50)) return false;
    last_check = now;
    py::gil_scoped_acquire gil;
    return PyErr_CheckSignals() != 0;  // the KeyboardInterrupt stays pending until infer returns
  };
  run::InferResult r = without_gil([&] { return run::infer(model, x.view(), config, cb); });
  if (r.stopped_early) throw py::error_already_set();
  const Index K = model.K(), N = x.view().cols();
  py::dict out("mean"_a = rows_array(std::move(r.mean)), "p_active"_a = rows_array(std::move(r.active)),
               "tau_u"_a = r.tau_u, "stiffness"_a = r.stiffness, "acceptance"_a = r.acceptance,
               "elapsed_s"_a = r.elapsed_s);
  out["samples"] = config.keep_samples ? py::object(stacked_rows_array(r.samples, K, N)) : py::none();
  if (r.diagnosed_points > 0) {
    // (points, K) arrays for s and, suffixed _active, for its activity 1[s != 0].
    py::dict d;
    const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(r.diagnosed_points), static_cast<py::ssize_t>(K)};
    add_diagnostics(d, r.diagnostics, shape);
    add_diagnostics(d, r.diagnostics_active, shape, "_active");
    out["diagnostics"] = d;
    for (const std::string& line : run::convergence_warnings(
             r, K, config.chains, "draw more samples (samples=) or burn in longer (burn_in=)"))
      if (PyErr_WarnEx(PyExc_RuntimeWarning, line.c_str(), 1) != 0) throw py::error_already_set();
  } else {
    out["diagnostics"] = py::none();
  }
  return out;
}

}  // namespace

void bind_infer(py::module_& m) {
  py::class_<InferConfig> cls(m, "InferConfig", "Every option of `lsc infer`; an option left out keeps the core's default.");
  FieldTable<InferConfig>(cls)
      .add_fields(run::infer_config_fields())
      .finish("InferConfig");

  m.def("infer", &infer_py, "model"_a, "X"_a, "config"_a, "on_progress"_a = py::none(),
        "Posterior summaries of s for every row of X (n_samples, D) under a fixed model: a dict with mean and "
        "p_active (n_samples, K), samples (T, n_samples, K) or None, tau_u, stiffness, acceptance, elapsed_s. "
        "on_progress(done, total) is called after every block of data points.");
}

}  // namespace lsc::python
