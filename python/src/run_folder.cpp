// Run folders (the files `lsc train` writes and `lsc infer --model` reads), dictionary mosaics,
// the evaluation helpers and the paper's experiments.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/eval/kl_prior.hpp"
#include "lsc/eval/recovery.hpp"
#include "lsc/experiment/experiment.hpp"
#include "lsc/run/evaluate_dictionary.hpp"
#include "lsc/run/records.hpp"
#include "lsc/run/run_folder.hpp"

namespace lsc::python {

using namespace pybind11::literals;

void bind_run_folder(py::module_& m) {
  m.def(
      "save_run",
      [](py::handle dir, const run::TrainResult& result, const std::string& data, py::handle preprocessing,
         py::handle summary) {
        run::RunInfo info{data, json_from_py(preprocessing), std::nullopt};
        std::optional<run::RunSummary> s;
        if (!summary.is_none()) {
          s.emplace();
          from_json(*s, json_from_py(summary), run::run_summary_fields(), "the run's summary");
        }
        run::save_run(from_py<std::string>(dir, "path"), result, info, s ? &*s : nullptr);
      },
      "path"_a, "result"_a, "data"_a, "preprocessing"_a = py::none(), "summary"_a = py::none(),
      "Writes dictionary.npy, model.json, metrics.csv, summary.json (summary, a dict as run_summary returns) and "
      "dictionary.png, each atomically.");
  m.def(
      "run_summary",
      [](const run::TrainResult& result, py::handle truth, py::handle preprocessing) {
        const nlohmann::json recipe = json_from_py(preprocessing);
        std::optional<Matrix> A;
        if (!truth.is_none()) A = dictionary_from(truth, "truth");
        return json_to_py(to_json(run::run_summary(result, A ? &*A : nullptr, recipe), run::run_summary_fields()));
      },
      "result"_a, "truth"_a = py::none(), "preprocessing"_a = py::none(),
      "summary.json of a run as `lsc train` writes it; with the true dictionary (K, D), the recovery; "
      "with an image recipe, the dictionary's quality (Gabor fits, used elements).");
  m.def(
      "load_run",
      [](py::handle dir) {
        run::SavedRun r = run::load_run(from_py<std::string>(dir, "path"));
        py::object summary =
            r.summary ? json_to_py(to_json(*r.summary, run::run_summary_fields())) : py::object(py::none());
        return py::make_tuple(std::move(r.result), r.info.data, json_to_py(r.info.preprocessing), summary);
      },
      "path"_a,
      "A run folder read by the core: (TrainResult, data, preprocessing, summary or None); raises LscError naming "
      "the file if anything is missing or malformed.");
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

  m.def(
      "dictionary_quality",
      [](py::handle components, py::handle recipe, py::handle patch_shape, double r2_threshold, int threads) {
        const Matrix A = dictionary_from(components, "dictionary");
        const nlohmann::json r = json_from_py(recipe);
        Index rows = 0, cols = 0;
        if (!patch_shape.is_none()) {
          const bool pair = py::isinstance<py::sequence>(patch_shape) && !py::isinstance<py::str>(patch_shape) &&
                            py::len(patch_shape) == 2;
          require(pair, "patch_shape must be a pair (rows, cols); got " + std::string(py::str(patch_shape)) + ".");
          const py::sequence seq = py::reinterpret_borrow<py::sequence>(patch_shape);
          rows = from_py<std::int64_t>(seq[0], "patch_shape");
          cols = from_py<std::int64_t>(seq[1], "patch_shape");
          require(rows > 0 && cols > 0, "patch_shape must hold two positive sizes; got (" + std::to_string(rows) + ", " +
                                            std::to_string(cols) + ").");
        }
        DictionaryQualityOptions o;
        o.r2_threshold = r2_threshold;
        DictionaryQuality q;
        {
          py::gil_scoped_release release;
          set_threads(threads);
          q = run::dictionary_quality(A, r, o, rows, cols);
        }
        py::dict out = json_to_py(run::dictionary_quality_json(q, false));
        const auto column = [&](auto field) {
          py::array_t<double> a(static_cast<py::ssize_t>(q.elements.size()));
          for (std::size_t k = 0; k < q.elements.size(); ++k) a.mutable_at(k) = field(q.elements[k]);
          return a;
        };
        py::array_t<bool> used(static_cast<py::ssize_t>(q.elements.size()));
        for (std::size_t k = 0; k < q.elements.size(); ++k) used.mutable_at(k) = q.elements[k].used;
        py::dict elements;
        elements["used"] = used;
        elements["norm"] = column([](const ElementQuality& e) { return e.norm; });
        elements["r2"] = column([](const ElementQuality& e) { return e.fit.r2; });
        elements["x0"] = column([](const ElementQuality& e) { return e.fit.params.x0; });
        elements["y0"] = column([](const ElementQuality& e) { return e.fit.params.y0; });
        elements["theta"] = column([](const ElementQuality& e) { return e.fit.params.theta; });
        elements["frequency"] = column([](const ElementQuality& e) { return e.fit.params.frequency; });
        elements["phase"] = column([](const ElementQuality& e) { return e.fit.params.phase; });
        elements["sigma_x"] = column([](const ElementQuality& e) { return e.fit.params.sigma_x; });
        elements["sigma_y"] = column([](const ElementQuality& e) { return e.fit.params.sigma_y; });
        elements["amplitude"] = column([](const ElementQuality& e) { return e.fit.params.amplitude; });
        out["elements"] = elements;
        return out;
      },
      "components"_a, "recipe"_a = py::none(), "patch_shape"_a = py::none(), "r2_threshold"_a = 0.7, "threads"_a = 0,
      "Gabor fits and the used/unused split of a (K, D) dictionary as learned under a preprocessing recipe "
      "(`lsc eval dictionary`): the summary of dictionary_quality.json with 'elements' a dict of (K,) arrays; "
      "use lsc.evaluate_dictionary.");

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
