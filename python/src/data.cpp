// Data sources: the generated bars, NumPy arrays (viewed in place), .npy files and image patches.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>

#include "arrays.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "fields.hpp"
#include "lsc/data/bars.hpp"
#include "lsc/data/batch_source.hpp"
#include "lsc/data/patch_dataset.hpp"
#include "lsc/io/npy.hpp"
#include "lsc/run/model_data.hpp"
#include "lsc/run/records.hpp"
#include "lsc/run/training_data.hpp"

namespace lsc::python {

using namespace pybind11::literals;

namespace {

// An ArraySource over a NumPy array that it keeps alive: training reads the caller's rows in
// place (ArraySource's view constructor), so fitting never copies the data set.
class NumpySource final : public BatchSource {
 public:
  NumpySource(py::handle X, std::uint64_t seed) : X_(X, "X"), source_(X_.view(), seed) {}
  Index dim() const override { return source_.dim(); }
  void batch(std::uint64_t index, Index n, Matrix& X) const override { source_.batch(index, n, X); }
  const py::array& array() const { return X_.array(); }

 private:
  ColumnsArg X_;
  ArraySource source_;
};

}  // namespace

void bind_data(py::module_& m) {
  py::class_<BarsOptions> bars_options(m, "BarsOptions",
                                       "The bars data (Fig. 3): size×size images of 2·size one-pixel bars, "
                                       "coefficients from the L0 prior (λ, π), Gaussian noise σ.");
  FieldTable<BarsOptions>(bars_options)
      .add_fields(run::bars_option_fields())
      .finish("BarsOptions");

  py::class_<BatchSource>(m, "BatchSource", "Where a training run's batches come from (a pure function of the batch index).")
      .def_property_readonly("dim", &BatchSource::dim, "D, the features per data point.")
      .def(
          "batch",
          [](const BatchSource& s, py::handle index, py::handle n) {
            Matrix X;
            s.batch(from_py<std::uint64_t>(index, "index"), from_py<std::int64_t>(n, "n"), X);
            return rows_array(std::move(X));
          },
          "index"_a, "n"_a, "Batch number `index` of n data points, (n, D).");

  py::class_<BarsSource, BatchSource>(m, "BarsSource", "An endless stream of bars images; point n is a pure function of (seed, n).")
      .def(py::init<BarsOptions>(), "options"_a = BarsOptions{})
      .def_property_readonly("options", &BarsSource::options)
      .def_property_readonly(
          "dictionary", [](const BarsSource& s) { return components_array(s.dictionary()); },
          "The true dictionary, (K, D): vertical bars first, then horizontal.")
      .def(
          "generate",
          [](const BarsSource& s, py::handle first, py::handle n) {
            Matrix X, S;
            s.generate(from_py<std::uint64_t>(first, "first"), from_py<std::int64_t>(n, "n"), X, &S);
            return py::make_tuple(rows_array(std::move(X)), rows_array(std::move(S)));
          },
          "first"_a, "n"_a, "Data points first..first+n−1 as (X (n, D), S (n, K)), S the true coefficients.");

  py::class_<NumpySource, BatchSource>(m, "ArraySource",
                                       "Batches drawn uniformly with replacement from the rows of X (n_samples, "
                                       "n_features), read in place: the array is kept alive, not copied.")
      .def(py::init([](py::handle X, py::handle seed) {
             return std::make_unique<NumpySource>(X, from_py<std::uint64_t>(seed, "seed"));
           }),
           "X"_a, "seed"_a = 0)
      .def_property_readonly("data", &NumpySource::array, "The array the batches are drawn from.");

  m.def(
      "read_npy_rows", [](py::handle path) { return rows_array(io::read_npy_rows(from_py<std::string>(path, "path"))); },
      "path"_a, "An (N, D) .npy file (float32 or float64, C or Fortran order) as the CLI reads it; NaN is an error.");
  m.def(
      "bars_dictionary",
      [](int size, double pixel) { return components_array(bars_dictionary(size, BarsOptions{size, pixel}.pixel_value())); },
      "size"_a = BarsOptions{}.size, "pixel"_a = BarsOptions{}.pixel, "The true bars dictionary, (2·size, size²).");

  py::class_<PatchDataOptions> patch_options(m, "PatchDataOptions",
                                             "Natural-image patches (lsc patches / train --data images:PATH): images, "
                                             "whitening, held-out split, random patches, per-patch normalization.");
  FieldTable<PatchDataOptions>(patch_options)
      .add_fields(run::patch_data_fields())
      .finish("PatchDataOptions");

  m.def(
      "load_patches",
      [](const PatchDataOptions& o) {
        PatchData d;
        {
          py::gil_scoped_release release;
          d = load_patches(o);
        }
        return py::make_tuple(rows_array(std::move(d.X)), json_to_py(d.preprocessing));
      },
      "options"_a, "(X (count, p²), recipe): the patches and the preprocessing recipe that makes them again.");
  m.def(
      "patch_options_from_recipe", [](py::handle recipe) { return patch_options_from_json(json_from_py(recipe)); },
      "recipe"_a, "The PatchDataOptions of a saved preprocessing recipe (model.json 'preprocessing').");
  m.def(
      "open_model_data",
      [](const std::string& spec, py::handle recipe, Index D, Index patches, std::uint64_t seed) {
        const nlohmann::json r = recipe.is_none() ? nlohmann::json() : json_from_py(recipe);
        Matrix X;
        {
          py::gil_scoped_release release;
          X = run::open_model_data(spec, r, D, patches, seed);
        }
        return rows_array(std::move(X));
      },
      "spec"_a, "recipe"_a, "D"_a, "patches"_a = 0, "seed"_a = 0,
      "The rows (N, D) of an .npy file, or patches cut from 'images:PATH' with a model's recipe (patches 0: the "
      "core's default, 10000), as `lsc infer --data` reads them.");
  m.def(
      "open_training_data",
      [](const std::string& spec, const BarsOptions& bars, const PatchDataOptions& images, std::uint64_t seed) {
        run::TrainingData d;
        {
          py::gil_scoped_release release;
          d = run::open_training_data(spec, {bars, images, seed});
        }
        py::object truth = d.truth ? py::object(components_array(*d.truth)) : py::object(py::none());
        return py::make_tuple(std::move(d.source), json_to_py(d.preprocessing), truth);
      },
      "spec"_a, "bars"_a = BarsOptions{}, "images"_a = PatchDataOptions{}, "seed"_a = 0,
      "(source, preprocessing, truth) of 'bars', 'images:PATH' or an .npy path, as `lsc train --data` reads it: a "
      "BatchSource, the recipe of image data (else None) and the true dictionary (K, D) of the bars (else None).");
}

}  // namespace lsc::python
