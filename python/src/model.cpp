// Prior and Model: small value types, so Python gets copies (and pickling) rather than views.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "lsc/model/model.hpp"
#include "lsc/prior/prior.hpp"

namespace lsc::python {

using namespace pybind11::literals;

namespace {

Prior make_prior(const std::string& kind, py::handle lam, py::handle pi) {
  return Prior::make(Prior::kind_from_name(kind), from_py<double>(lam, "lam"), from_py<double>(pi, "pi"));
}

Model make_model(py::handle components, py::handle sigma, const Prior& prior) {
  Model m;
  m.A = dictionary_from(components, "components");
  m.sigma = from_py<double>(sigma, "sigma");
  m.prior = prior;
  m.validate();
  return m;
}

}  // namespace

void bind_model(py::module_& m) {
  const Prior defaults;
  py::class_<Prior>(m, "Prior",
                    "A factorial prior p(s) ∝ exp(−λ C(s)) (eq. 2.3) or the L0 spike-and-slab of eq. 3.1 "
                    "(kind 'l0', active with probability pi). lam is λ (lambda is a Python keyword).")
      .def(py::init(&make_prior), "kind"_a, "lam"_a = defaults.lambda, "pi"_a = defaults.pi)
      .def_property_readonly("kind", &Prior::name, "l0, l1, laplace, gaussian or cauchy.")
      .def_property_readonly("lam", [](const Prior& p) { return p.lambda; }, "The rate λ.")
      .def_property_readonly("pi", [](const Prior& p) { return p.pi; }, "P(s ≠ 0): π for l0, 1 otherwise.")
      .def_property_readonly("u0", &Prior::u0, "The threshold u0 = −log(π)/λ of eq. 3.3 (0 but for l0).")
      .def_property_readonly("nonnegative", &Prior::nonnegative)
      .def_property_readonly("has_map", &Prior::has_map, "Whether a MAP estimate is meaningful (not for l0).")
      .def("cost", py::vectorize(&Prior::cost_s), "s"_a, "C(s) of eq. 2.5, elementwise.")
      .def("log_density", py::vectorize(&Prior::log_density), "s"_a,
           "Log density of the continuous part (the slab for l0, including log π), elementwise.")
      .def("cdf", py::vectorize(&Prior::cdf), "s"_a, "P(s' ≤ s), the spike's mass included, elementwise.")
      .def("expected_cost", &Prior::expected_cost, "⟨C(s)⟩ under the prior (over the slab for l0).")
      .def("variance", &Prior::variance)
      .def("__repr__",
           [](const Prior& p) {
             std::string r = "Prior('" + p.name() + "', lam=" + std::string(py::repr(py::float_(p.lambda)));
             if (p.kind == PriorKind::l0) r += ", pi=" + std::string(py::repr(py::float_(p.pi)));
             return r + ")";
           })
      .def("__eq__", [](const Prior& a, const Prior& b) {
        return a.kind == b.kind && a.lambda == b.lambda && a.pi == b.pi;
      })
      .def(py::pickle([](const Prior& p) { return py::make_tuple(p.name(), p.lambda, p.pi); },
                      [](const py::tuple& t) { return make_prior(t[0].cast<std::string>(), t[1], t[2]); }));

  py::class_<Model>(m, "Model",
                    "The linear model x = A s + n, n ~ N(0, σ² I), s ~ prior (eq. 2.1-2.3). components is the "
                    "dictionary as a (K, D) array, one element per row (scikit-learn's components_).")
      .def(py::init(&make_model), "components"_a, "sigma"_a, "prior"_a)
      .def_property(
          "components", [](const Model& mo) { return components_array(mo.A); },
          [](Model& mo, py::handle v) { mo.A = dictionary_from(v, "components"); },
          "The dictionary, (K, D) (a copy).")
      .def_property(
          "sigma", [](const Model& mo) { return mo.sigma; },
          [](Model& mo, py::handle v) { mo.sigma = from_py<double>(v, "sigma"); }, "The noise σ.")
      .def_readwrite("prior", &Model::prior)
      .def_property_readonly("D", &Model::D)
      .def_property_readonly("K", &Model::K)
      .def("validate", &Model::validate, "Raises LscError unless the dictionary is non-empty and finite and σ > 0.")
      .def("lipschitz_constant", &lipschitz_constant,
           "max eig(AᵀA)/σ²: the stiffness that bounds stable Langevin step sizes.")
      .def("__repr__",
           [](const Model& mo) {
             return "Model(K=" + std::to_string(mo.K()) + ", D=" + std::to_string(mo.D()) +
                    ", sigma=" + std::string(py::repr(py::float_(mo.sigma))) + ", prior=" +
                    std::string(py::repr(py::cast(mo.prior))) + ")";
           })
      .def(py::pickle(
          [](const Model& mo) { return py::make_tuple(components_array(mo.A), mo.sigma, mo.prior); },
          [](const py::tuple& t) { return make_model(t[0], t[1], t[2].cast<Prior>()); }));
}

}  // namespace lsc::python
