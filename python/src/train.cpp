// Training: TrainConfig (every option of `lsc train`), resolve_defaults and train(). The GIL is
// released while the core learns; at every metrics row the callback takes it back to check for
// Ctrl-C (PyErr_CheckSignals) and to call the Python progress function.
#include <algorithm>
#include <cmath>
#include <limits>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <filesystem>
#include <optional>

#include "arrays.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "fields.hpp"
#include "lsc/run/checkpoint.hpp"
#include "lsc/run/records.hpp"
#include "lsc/run/train.hpp"

namespace lsc::python {

using namespace pybind11::literals;
using run::MetricsRow;
using run::TrainConfig;
using run::TrainResult;

namespace {

// The metrics rows as columns, the layout of metrics.csv: {name: 1-D array}; step as uint64, the
// optional columns (elbo) only when some row has a value.
py::dict metrics_columns(const std::vector<MetricsRow>& rows) {
  const auto n = static_cast<py::ssize_t>(rows.size());
  py::dict d;
  for (const Field<MetricsRow>& f : run::metrics_fields()) {
    if (const auto* count = std::get_if<std::uint64_t MetricsRow::*>(&f.member)) {
      py::array_t<std::uint64_t> col(n);
      for (py::ssize_t i = 0; i < n; ++i) col.mutable_at(i) = rows[std::size_t(i)].**count;
      d[f.name.c_str()] = col;
      continue;
    }
    py::array_t<double> col(n);
    bool any = false;
    for (py::ssize_t i = 0; i < n; ++i) {
      col.mutable_at(i) = numeric_value(rows[std::size_t(i)], f);
      any = any || !std::isnan(col.at(i));
    }
    if (any || !f.has(optional_column)) d[f.name.c_str()] = col;
  }
  return d;
}

py::object metric_value(const MetricsRow& r, const Field<MetricsRow>& f) {
  if (const auto* count = std::get_if<std::uint64_t MetricsRow::*>(&f.member)) return py::cast(r.**count);
  return py::cast(numeric_value(r, f));
}

// The columns of metrics.csv back into rows: an optional column left out reads as its default.
std::vector<MetricsRow> metrics_rows(const py::dict& columns) {
  std::vector<MetricsRow> rows;
  for (const Field<MetricsRow>& f : run::metrics_fields()) {
    if (!columns.contains(f.name)) {
      if (f.has(optional_column)) continue;
      throw Error("the metrics have no column '" + f.name + "'; pass the columns of metrics.csv (step, elapsed_s, ...).");
    }
    const auto col = py::array_t<double, py::array::forcecast>::ensure(columns[f.name.c_str()]);
    if (!col || col.ndim() != 1 || (f.name != run::metrics_fields().front().name && std::size_t(col.shape(0)) != rows.size()))
      throw Error("metrics column '" + f.name + "' must be a 1-D array as long as the others.");
    rows.resize(static_cast<std::size_t>(col.shape(0)));
    for (py::ssize_t i = 0; i < col.shape(0); ++i) set_numeric(rows[std::size_t(i)], f, col.at(i));
  }
  return rows;
}

// Runs the core's train() with the GIL released. Returns (result, error): error is the exception
// that stopped the run (KeyboardInterrupt from Ctrl-C, or one raised by on_row), or None; the
// run then ended cleanly at that metrics row, so its result (and final checkpoint) is usable.
py::tuple train_py(const TrainConfig& config, const BatchSource& source, py::object on_row,
                   const std::string& checkpoint, bool resume) {
  const TrainConfig c = run::resolve_defaults(config, source.dim());  // bad options fail before any work
  std::optional<run::TrainCheckpoint> from;
  if (resume) {
    if (checkpoint.empty()) throw Error("resume needs the run folder whose checkpoint.bin to continue; pass out=RUN_DIR.");
    from = run::load_checkpoint(checkpoint, c);
  }
  run::TrainCallbacks cb;
  py::object error;  // set, and only read or released, with the GIL held
  bool stop = false;
  cb.on_metrics = [&](const MetricsRow& row, std::uint64_t total) {
    py::gil_scoped_acquire gil;
    if (error) return;
    if (PyErr_CheckSignals() != 0) {  // Ctrl-C: the KeyboardInterrupt is raised after train() returns
      error = fetch_python_error();
      return;
    }
    if (on_row.is_none()) return;
    try {
      if (PyObject_IsTrue(on_row(row, total).ptr()) == 1) stop = true;  // a true return ends the run
    } catch (py::error_already_set& e) {
      e.restore();
      error = fetch_python_error();
    }
  };
  cb.should_stop = [&] { return stop || static_cast<bool>(error); };
  // Ctrl-C between metrics rows: the first asks for a stop at the next row (which can be minutes
  // away), a second abandons the run at once.
  cb.should_abandon = [&] {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() == 0) return false;
    if (!error) {
      error = fetch_python_error();
      PySys_WriteStderr("\nlsc: stopping at the next metrics row; press Ctrl-C again to abandon the run now.\n");
      return false;
    }
    PyErr_Clear();  // the first KeyboardInterrupt is the one raised
    return true;
  };
  if (c.checkpoint_every > 0) {
    if (checkpoint.empty()) throw Error("checkpoint_every needs a run folder for checkpoint.bin; pass out=RUN_DIR.");
    cb.on_checkpoint = [&](const run::TrainCheckpoint& ck) {
      std::filesystem::create_directories(std::filesystem::path(checkpoint).parent_path());
      run::save_checkpoint(checkpoint, ck, c);
    };
  }
  TrainResult result;
  {
    py::gil_scoped_release release;
    result = run::train(c, source, cb, from ? &*from : nullptr);
  }
  return py::make_tuple(std::move(result), error ? error : py::none());
}

}  // namespace

void bind_train(py::module_& m) {
  py::class_<TrainConfig> cls(m, "TrainConfig",
                              "Every option of `lsc train` (docs/parameters.md). None stands for the method's "
                              "documented default, which resolve_defaults fills in.");
  FieldTable<TrainConfig>(cls)
      .add_fields(run::train_config_fields())
      .add(
          "initial_dictionary",
          [](const TrainConfig& c) -> py::object {
            return c.initial_dictionary ? py::object(components_array(*c.initial_dictionary)) : py::none();
          },
          [](TrainConfig& c, py::handle v) {
            if (v.is_none())
              c.initial_dictionary.reset();
            else
              c.initial_dictionary = dictionary_from(v, "initial_dictionary");
          },
          "starting dictionary, (K, D) (None: random directions from the seed, see init_scale)")
      .finish("TrainConfig");
  cls.def(
      "to_json", [](const TrainConfig& c) { return json_to_py(run::config_json(c)); },
      "The configuration as model.json records it (lambda spelled out, the initial dictionary left out).");

  m.def("resolve_defaults", &run::resolve_defaults, "config"_a, "D"_a,
        "The configuration with every default of its method and prior filled in (the single place they are set).");

  py::class_<MetricsRow> row(m, "MetricsRow", "One row of metrics.csv: the means over the steps since the previous row.");
  for (const Field<MetricsRow>& f : run::metrics_fields())
    row.def_property_readonly(python_name(f.name).c_str(), [f](const MetricsRow& r) { return metric_value(r, f); },
                              f.help.c_str());
  row.def(
         "to_dict",
         [](const MetricsRow& r) {
           py::dict d;
           for (const Field<MetricsRow>& f : run::metrics_fields()) d[f.name.c_str()] = metric_value(r, f);
           return d;
         },
         "The row as {column of metrics.csv: value}.")
      .def("__repr__", [](const MetricsRow& r) { return "MetricsRow(" + std::string(py::repr(py::cast(r).attr("to_dict")())) + ")"; });

  py::class_<TrainResult>(m, "TrainResult", "What train() returns: the model, the resolved configuration, the metrics.")
      .def(py::init([](const Model& model, const TrainConfig& config, const py::dict& metrics, double elapsed_s,
                       double acceptance) {
             TrainResult r;
             r.model = model;
             r.config = config;
             r.metrics = metrics_rows(metrics);
             r.elapsed_s = elapsed_s;
             r.acceptance = acceptance;
             return r;
           }),
           "model"_a, "config"_a, "metrics"_a, "elapsed_s"_a = 0.0, "acceptance"_a = 1.0,
           "A result assembled from its parts (metrics: the columns of metrics.csv), e.g. to save a run folder.")
      .def_property_readonly("model", [](const TrainResult& r) { return r.model; }, "The learned model (a copy).")
      .def_property_readonly(
          "config", [](const TrainResult& r) { return r.config; }, "The configuration, defaults resolved (a copy).")
      .def_property_readonly(
          "metrics", [](const TrainResult& r) { return metrics_columns(r.metrics); },
          "The metrics rows as columns, {name: array}, named as in metrics.csv.")
      .def_readonly("elapsed_s", &TrainResult::elapsed_s)
      .def_readonly("acceptance", &TrainResult::acceptance, "MALA acceptance rate over the run")
      .def_readonly("stopped_early", &TrainResult::stopped_early)
      .def_readonly("abandoned", &TrainResult::abandoned);

  m.def(
      "read_metrics",
      [](py::handle file) { return metrics_columns(run::read_metrics_csv(from_py<std::string>(file, "path"))); },
      "path"_a, "metrics.csv as columns {name: array}; raises LscError naming the file if lsc did not write it.");

  m.def("train", &train_py, "config"_a, "source"_a, "on_row"_a = py::none(), "checkpoint"_a = "", "resume"_a = false,
        "Runs the core's train(). on_row(row, total_steps) is called at every metrics row; a true return stops the "
        "run there. Returns (TrainResult, error): error is the exception (KeyboardInterrupt, or on_row's) that "
        "stopped the run cleanly at a row, or None; the caller raises it.");
}

}  // namespace lsc::python
