// Run folders (the files `lsc train` writes and `lsc infer --model` reads), dictionary mosaics,
// the evaluation helpers and the paper's experiments.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "lsc/eval/kl_prior.hpp"
#include "lsc/eval/recovery.hpp"
#include "lsc/experiment/experiment.hpp"
#include "lsc/run/run_folder.hpp"

namespace lsc::python {

using namespace pybind11::literals;

void bind_run_folder(py::module_& m) {
  m.def(
      "save_run",
      [](py::handle dir, const run::TrainResult& result, const std::string& data, py::handle preprocessing) {
        run::save_run(from_py<std::string>(dir, "path"), result, {data, json_from_py(preprocessing)});
      },
      "path"_a, "result"_a, "data"_a, "preprocessing"_a = py::none(),
      "Writes dictionary.npy, model.json, metrics.csv and dictionary.png, each atomically.");
  m.def(
      "run_summary",
      [](const run::TrainResult& result, py::handle truth) {
        if (truth.is_none()) return json_to_py(run::run_summary(result));
        const Matrix A = dictionary_from(truth, "truth");
        return json_to_py(run::run_summary(result, &A));
      },
      "result"_a, "truth"_a = py::none(),
      "summary.json of a run as `lsc train` writes it; with the true dictionary (K, D), the recovery.");
  m.def(
      "load_model", [](py::handle dir) { return run::load_model(from_py<std::string>(dir, "path")); }, "path"_a,
      "The model of a run folder; raises LscError naming the file if anything is missing or malformed.");
  m.def(
      "load_preprocessing",
      [](py::handle dir) { return json_to_py(run::load_preprocessing(from_py<std::string>(dir, "path"))); }, "path"_a,
      "The preprocessing recipe of a run folder (None unless it was trained on images).");
  m.def(
      "save_mosaic",
      [](py::handle file, py::handle components, bool sort_by_norm) {
        run::save_mosaic(from_py<std::string>(file, "path"), dictionary_from(components, "components"), sort_by_norm);
      },
      "path"_a, "components"_a, "sort_by_norm"_a = false,
      "A PNG mosaic of a (K, D) dictionary, each element scaled to its own range (gray = 0), as the CLI draws it.");

  m.def(
      "best_abs_cosine",
      [](py::handle truth, py::handle learned) {
        const Matrix T = dictionary_from(truth, "truth");
        return best_abs_cosine(T, dictionary_from(learned, "learned", T.rows()));
      },
      "truth"_a, "learned"_a,
      "For each true element (row of truth, (Kt, D)), the best |cosine| with a learned one (§4.1).");
  m.def(
      "prior_histogram",
      [](const Prior& prior, py::array_t<double, py::array::c_style | py::array::forcecast> S, int bins) {
        const Eigen::Map<const Matrix> s(S.data(), 1, S.size());
        const PriorHistogram h = prior_histogram(prior, s, bins);
        return py::dict("zero_threshold"_a = h.zero_threshold, "upper"_a = h.upper, "edges"_a = h.edges,
                        "counts"_a = h.counts, "empirical"_a = h.empirical, "prior"_a = h.prior,
                        "zero_fraction"_a = h.zero_fraction, "kl"_a = h.kl);
      },
      "prior"_a, "S"_a, "bins"_a = 25,
      "Coefficients against a nonnegative prior (app. B): bins [zero, bins on [1e-5, 6/λ], tail], the empirical and "
      "prior masses and the binned KL(prior ‖ empirical) in nats.");

  m.def("experiments", [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const experiment::Experiment& e : experiment::registry()) out.emplace_back(e.name, e.description);
    return out;
  }, "The paper's figures that `lsc experiment` reproduces, as (name, description).");
  m.def(
      "run_experiment",
      [](const std::string& name, py::handle out, bool quick, int threads, py::object log, py::handle images,
         bool dead_zone_jumps) {
        experiment::Options o;
        o.out = from_py<std::string>(out, "out");
        o.quick = quick;
        o.threads = threads;
        if (!images.is_none()) o.images = from_py<std::string>(images, "images");
        o.dead_zone_jumps = dead_zone_jumps;
        // The log runs on the core's thread without the GIL: it takes it, and never lets a Python
        // exception unwind through the experiment (the line is reported as unraisable instead).
        const py::object* log_fn = &log;
        o.log = [log_fn](const std::string& line) {
          py::gil_scoped_acquire gil;
          if (log_fn->is_none()) return;
          try {
            (*log_fn)(line);
          } catch (py::error_already_set& e) {
            e.discard_as_unraisable("lsc experiment log");
          }
        };
        nlohmann::json summary;
        {
          py::gil_scoped_release release;
          summary = experiment::run(name, o);
        }
        return json_to_py(summary);
      },
      "name"_a, "out"_a, "quick"_a = false, "threads"_a = 0, "log"_a = py::none(), "images"_a = py::none(),
      "dead_zone_jumps"_a = false,
      "Runs `lsc experiment NAME --out OUT`: CSVs, summary.json and plots in OUT; returns the summary.");
}

}  // namespace lsc::python
