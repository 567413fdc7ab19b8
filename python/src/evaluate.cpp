// Test log-likelihood: LoglikConfig (every option of `lsc eval loglik`) and evaluate_loglik(). The
// GIL is released while AIS runs; progress takes it back, as infer's does.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>

#include "arrays.hpp"
#include "bindings.hpp"
#include "fields.hpp"
#include "progress.hpp"
#include "lsc/run/evaluate_loglik.hpp"
#include "lsc/run/records.hpp"

namespace lsc::python {

using namespace pybind11::literals;
using run::LoglikConfig;

namespace {

py::array vector_array(const Vector& v) { return py::array_t<double>(v.size(), v.data()); }

py::dict estimate_dict(const AisEstimate& e) {
  return py::dict("log_px"_a = vector_array(e.log_px), "se"_a = vector_array(e.se), "ess"_a = vector_array(e.ess),
                  "mean"_a = e.mean, "se_points"_a = e.se_points, "se_mc"_a = e.se_mc, "acceptance"_a = e.acceptance);
}

py::dict evaluate_loglik_py(const Model& model, py::handle X, const LoglikConfig& config, py::handle latents,
                            py::object on_progress) {
  const ColumnsArg x(X, "X", model.D());
  std::optional<ColumnsArg> s;
  if (!latents.is_none()) s.emplace(latents, "latents");  // its shape is checked against K and N by the service
  AisCallbacks cb;
  cb.on_progress = progress_to_python(on_progress);
  const run::LoglikResult r = without_gil([&] {
    const Matrix data = x.view();  // AIS takes a Matrix: one copy, small next to its chains
    const Matrix S = s ? Matrix(s->view()) : Matrix();
    return run::evaluate_loglik(model, data, config, s ? &S : nullptr, cb);
  });
  py::dict out("forward"_a = estimate_dict(r.ais.forward), "elapsed_s"_a = r.ais.elapsed_s,
               "step_size"_a = vector_array(r.ais.step_size));
  out["reverse"] = s ? py::object(estimate_dict(r.ais.reverse)) : py::none();
  out["exact"] = r.exact.size() ? py::object(vector_array(r.exact)) : py::none();
  return out;
}

}  // namespace

void bind_evaluate(py::module_& m) {
  py::class_<LoglikConfig> cls(m, "LoglikConfig", "Every option of `lsc eval loglik`; an option left out keeps the core's default.");
  FieldTable<LoglikConfig>(cls)
      .add_fields(run::loglik_config_fields())
      .finish("LoglikConfig");
  m.def("evaluate_loglik", &evaluate_loglik_py, "model"_a, "X"_a, "config"_a, "latents"_a = py::none(),
        "on_progress"_a = py::none(),
        "log p(x) of every row of X (n_samples, D) by AIS (BDMC with latents (n_samples, K)): a dict with forward "
        "(log_px, se, ess per row; mean, se_points, se_mc, acceptance), reverse (BDMC) or None, exact (Gaussian "
        "prior) or None, step_size, elapsed_s.");
}

}  // namespace lsc::python
