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
#include "lsc/run/config_json.hpp"
#include "lsc/run/train.hpp"

namespace lsc::python {

using namespace pybind11::literals;
using run::MetricsRow;
using run::TrainConfig;
using run::TrainResult;

namespace {

const char* const kMetricNames[] = {"step", "elapsed_s", "reconstruction_error", "active_fraction",
                                    "pi", "sigma", "lambda", "mean_norm", "tau_u", "elbo"};
constexpr int kRequiredMetrics = 8;  // tau_u (0: not recorded) and elbo (NaN: not svae) are optional

// The metrics rows as columns, the layout of metrics.csv: {name: 1-D array}.
py::dict metrics_columns(const std::vector<MetricsRow>& rows) {
  const auto n = static_cast<py::ssize_t>(rows.size());
  py::array_t<std::uint64_t> step(n);
  std::vector<py::array_t<double>> cols;
  for (int c = 0; c < 9; ++c) cols.emplace_back(n);
  for (py::ssize_t i = 0; i < n; ++i) {
    const MetricsRow& r = rows[static_cast<std::size_t>(i)];
    step.mutable_at(i) = r.step;
    const double values[] = {r.elapsed_s, r.reconstruction_error, r.active_fraction, r.pi, r.sigma,
                             r.lambda,    r.mean_norm,           r.tau_u,           r.elbo};
    for (int c = 0; c < 9; ++c) cols[c].mutable_at(i) = values[c];
  }
  // The columns of metrics.csv: elbo only for svae runs, whose rows carry one.
  const bool with_elbo = std::any_of(rows.begin(), rows.end(), [](const MetricsRow& r) { return !std::isnan(r.elbo); });
  py::dict d;
  d["step"] = step;
  for (int c = 0; c < (with_elbo ? 9 : 8); ++c) d[kMetricNames[c + 1]] = cols[c];
  return d;
}

std::vector<MetricsRow> metrics_rows(const py::dict& columns) {
  std::vector<py::array_t<double>> cols;
  py::ssize_t n = -1;
  for (int c = 0; c < 10; ++c) {
    const char* name = kMetricNames[c];
    if (!columns.contains(name)) {
      if (c >= kRequiredMetrics) {
        cols.emplace_back(n < 0 ? 0 : n);
        for (py::ssize_t i = 0; i < cols.back().shape(0); ++i)
          cols.back().mutable_at(i) = c == 8 ? 0.0 : std::numeric_limits<double>::quiet_NaN();
        continue;
      }
      throw Error(std::string("the metrics have no column '") + name +
                  "'; pass the columns of metrics.csv (step, elapsed_s, ..., mean_norm).");
    }
    cols.push_back(py::array_t<double, py::array::forcecast>::ensure(columns[name]));
    if (!cols.back() || cols.back().ndim() != 1 || (n >= 0 && cols.back().shape(0) != n))
      throw Error(std::string("metrics column '") + name + "' must be a 1-D array as long as the others.");
    n = cols.back().shape(0);
  }
  std::vector<MetricsRow> rows(static_cast<std::size_t>(n));
  for (py::ssize_t i = 0; i < n; ++i) {
    MetricsRow& r = rows[static_cast<std::size_t>(i)];
    r.step = static_cast<std::uint64_t>(cols[0].at(i));
    r.elapsed_s = cols[1].at(i);
    r.reconstruction_error = cols[2].at(i);
    r.active_fraction = cols[3].at(i);
    r.pi = cols[4].at(i);
    r.sigma = cols[5].at(i);
    r.lambda = cols[6].at(i);
    r.mean_norm = cols[7].at(i);
    r.tau_u = cols[8].at(i);
    r.elbo = cols[9].at(i);
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
                              "Every option of `lsc train` (docs/parameters.md). None or 0 stands for the method's "
                              "documented default, which resolve_defaults fills in.");
  FieldTable<TrainConfig>(cls)
      .add("method", &TrainConfig::method, "dsc, lca, ssc or lsc")
      .add(
          "prior",
          [](const TrainConfig& c) -> py::object { return c.prior ? py::cast(Prior{*c.prior}.name()) : py::none(); },
          [](TrainConfig& c, py::handle v) {
            if (v.is_none())
              c.prior.reset();
            else
              c.prior = Prior::kind_from_name(from_py<std::string>(v, "prior"));
          },
          "l0, l1, laplace, gaussian or cauchy (None: l0 for lsc, l1 otherwise)")
      .add("K", &TrainConfig::K, "number of dictionary elements")
      .add("pi", &TrainConfig::pi, "(initial) activation probability π")
      .add(
          "lam", [](const TrainConfig& c) { return py::cast(c.lambda); },
          [](TrainConfig& c, py::handle v) { c.lambda = from_py<double>(v, "lam"); }, "(initial) prior rate λ")
      .add("sigma", &TrainConfig::sigma, "(initial) noise σ (0: 0.5, e^-1 for svae)")
      .add("learn_pi", &TrainConfig::learn_pi, "learn π (eq. 3.13; l0 prior)")
      .add("learn_sigma", &TrainConfig::learn_sigma, "learn σ (eq. 2.9)")
      .add("learn_lambda", &TrainConfig::learn_lambda, "learn λ (eq. 2.10)")
      .add("steps", &TrainConfig::steps, "dictionary updates (0: per method)")
      .add("batch", &TrainConfig::batch, "data points (= chains) per batch (0: default)")
      .add("tau_u", &TrainConfig::tau_u, "coefficient time constant, ε = 1/τ_u (0: from the initial stiffness)")
      .add("tau_A", &TrainConfig::tau_A, "dictionary time constant, on batch means (0: per method)")
      .add("tau_x", &TrainConfig::tau_x, "steps each batch is held (lsc, ssc; 0: per method)")
      .add("hold_burn_in", &TrainConfig::hold_burn_in, "steps per hold without learning (lsc; None: 0 for euler, τ_X/2 for mala)")
      .add("tau_u0", &TrainConfig::tau_u0, "time constant of π learning (0: default)")
      .add("tau_sigma", &TrainConfig::tau_sigma, "time constant of σ learning (0: default)")
      .add("tau_lambda", &TrainConfig::tau_lambda, "time constant of λ learning (0: default)")
      .add("inner_steps", &TrainConfig::inner_steps, "MAP iterations per batch (dsc, lca; 0: default)")
      .add("sampler", &TrainConfig::sampler, "lsc coefficient steps: euler or mala ('': euler)")
      .add("dtype", &TrainConfig::dtype, "the engine's precision for lsc and ssc: float32 or float64 ('': float32)")
      .add("backend", &TrainConfig::backend, "the fused engine's device: cpu or cuda ('': cpu)")
      .add("target_accept", &TrainConfig::target_accept,
           "mala: adapt ε toward this acceptance during each hold burn-in, never above 1/τ_u (None: 0.574; 0: off)")
      .add("lr", &TrainConfig::lr, "svae: Adam learning rate (0: 1e-4)")
      .add("dead_zone_jumps", &TrainConfig::dead_zone_jumps, "l0: exact Metropolis jumps across the dead zone |u| < u0")
      .add("temperature", &TrainConfig::temperature, "temperature T of the Langevin noise")
      .add("normalize", &TrainConfig::normalize, "unit-norm columns after each update (None: all but lsc)")
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
      .add("var_goal", &TrainConfig::var_goal, "dsc, lca: Olshausen & Field's gain control toward this coefficient variance instead of unit columns (0: unit columns)")
      .add("init_scale", &TrainConfig::init_scale, "lsc: random start with columns of norm init_scale × the data's RMS per feature (0: 0.1)")
      .add("seed", &TrainConfig::seed, "random seed")
      .add("metrics_every", &TrainConfig::metrics_every, "steps per metrics row (0: about 200 rows)")
      .add("checkpoint_every", &TrainConfig::checkpoint_every, "steps per checkpoint (0: none)")
      .add("threads", &TrainConfig::threads, "threads (0: all cores)")
      .finish("TrainConfig");
  cls.def(
      "to_json", [](const TrainConfig& c) { return json_to_py(run::config_json(c)); },
      "The configuration as model.json records it (lambda spelled out, the initial dictionary left out).");

  m.def("resolve_defaults", &run::resolve_defaults, "config"_a, "D"_a,
        "The configuration with every default of its method and prior filled in (the single place they are set).");

  py::class_<MetricsRow>(m, "MetricsRow", "One row of metrics.csv: the means over the steps since the previous row.")
      .def_readonly("step", &MetricsRow::step)
      .def_readonly("elapsed_s", &MetricsRow::elapsed_s)
      .def_readonly("reconstruction_error", &MetricsRow::reconstruction_error, "mean ‖x − A s‖²/D")
      .def_readonly("active_fraction", &MetricsRow::active_fraction, "mean fraction of s ≠ 0")
      .def_readonly("pi", &MetricsRow::pi)
      .def_readonly("sigma", &MetricsRow::sigma)
      .def_readonly("lam", &MetricsRow::lambda)
      .def_readonly("mean_norm", &MetricsRow::mean_norm, "mean ‖A_k‖")
      .def_readonly("tau_u", &MetricsRow::tau_u, "Δt/ε of the coefficient steps (adapted for MALA)")
      .def_readonly("elbo", &MetricsRow::elbo, "svae: mean ELBO over the window, nats per point (NaN otherwise)")
      .def("to_dict",
           [](const MetricsRow& r) {
             return py::dict("step"_a = r.step, "elapsed_s"_a = r.elapsed_s,
                             "reconstruction_error"_a = r.reconstruction_error, "active_fraction"_a = r.active_fraction,
                             "pi"_a = r.pi, "sigma"_a = r.sigma, "lambda"_a = r.lambda, "mean_norm"_a = r.mean_norm,
                             "tau_u"_a = r.tau_u, "elbo"_a = r.elbo);
           })
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
      .def_readonly("stopped_early", &TrainResult::stopped_early);

  m.def("train", &train_py, "config"_a, "source"_a, "on_row"_a = py::none(), "checkpoint"_a = "", "resume"_a = false,
        "Runs the core's train(). on_row(row, total_steps) is called at every metrics row; a true return stops the "
        "run there. Returns (TrainResult, error): error is the exception (KeyboardInterrupt, or on_row's) that "
        "stopped the run cleanly at a row, or None; the caller raises it.");
}

}  // namespace lsc::python
