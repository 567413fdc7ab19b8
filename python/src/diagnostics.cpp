// MCMC convergence diagnostics: diagnostics(samples), with ArviZ's array convention (chain, draw,
// *shape), whose C order is the core's (M, T, Q) layout (eval/diagnostics.hpp). The GIL is
// released while the quantities are diagnosed.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "bindings.hpp"
#include "progress.hpp"
#include "lsc/core/error.hpp"
#include "lsc/eval/diagnostics.hpp"

namespace lsc::python {

using namespace pybind11::literals;

namespace {

std::string shape_text(const std::vector<py::ssize_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// samples as a C-ordered float64 array of 2 or more dimensions: a view of a float64 C-ordered
// array, a converted copy of anything else numeric (0/1 indicators may come as bool or int).
py::array samples_array(py::handle samples) {
  const py::module_ np = py::module_::import("numpy");
  py::array a;
  try {
    a = np.attr("asarray")(samples);
  } catch (const py::error_already_set& e) {
    throw Error("samples could not be read as an array (" + std::string(e.what()) +
                "); pass a NumPy array of shape (chains, draws) or (chains, draws, *shape).");
  }
  const char kind = a.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b')
    throw Error("samples has dtype " + std::string(py::str(a.dtype())) +
                "; pass real numbers (float, int or bool) of shape (chains, draws, *shape).");
  const std::vector<py::ssize_t> shape(a.shape(), a.shape() + a.ndim());
  if (a.ndim() < 2)
    throw Error("samples must have shape (chains, draws) or (chains, draws, *shape), as in ArviZ, but has shape " +
                shape_text(shape) + "; for one chain use samples[None, :].");
  if (a.size() == 0)
    throw Error("samples is empty (shape " + shape_text(shape) + "); pass at least one chain, 4 draws and one quantity.");
  return np.attr("ascontiguousarray")(a, "dtype"_a = "float64");
}

// "samples[:, :, 3, 17]": where quantity q (flat, C order) sits in the caller's array.
std::string position(Index q, const std::vector<py::ssize_t>& shape) {
  if (shape.empty()) return "samples";
  std::vector<py::ssize_t> index(shape.size());
  for (std::size_t i = shape.size(); i-- > 0;) {
    index[i] = static_cast<py::ssize_t>(q % shape[i]);
    q /= shape[i];
  }
  std::string s = "samples[:, :";
  for (const py::ssize_t i : index) s += ", " + std::to_string(i);
  return s + "]";
}

py::dict diagnostics_py(py::handle samples, bool warn) {
  const py::array a = samples_array(samples);
  const Index M = a.shape(0), T = a.shape(1);
  const std::vector<py::ssize_t> shape(a.shape() + 2, a.shape() + a.ndim());
  Index Q = 1;
  for (const py::ssize_t n : shape) Q *= n;
  const Real* data = static_cast<const Real*>(a.data());
  const std::vector<Diagnostics> d = without_gil([&] { return diagnose_all(data, T, M, Q); });

  py::dict out;
  add_diagnostics(out, d, shape);

  if (warn) {
    const std::string line = convergence_warning(
        summarize(d, M), "quantities", [&](Index q) { return position(q, shape); },
        "draw more samples (samples=) or burn in longer (burn_in=)");
    if (!line.empty() && PyErr_WarnEx(PyExc_RuntimeWarning, line.c_str(), 1) != 0) throw py::error_already_set();
  }
  return out;
}

}  // namespace

void add_diagnostics(py::dict& out, const std::vector<Diagnostics>& d, const std::vector<py::ssize_t>& shape,
                     const std::string& suffix) {
  const auto field = [&](const std::string& name, Real Diagnostics::*member) {
    py::array_t<Real> values(shape);
    Real* v = values.mutable_data();
    for (std::size_t q = 0; q < d.size(); ++q) v[q] = d[q].*member;
    out[(name + suffix).c_str()] = values;
  };
  field("rhat", &Diagnostics::rhat);
  field("ess_bulk", &Diagnostics::ess_bulk);
  field("ess_tail", &Diagnostics::ess_tail);
  field("mcse_mean", &Diagnostics::mcse_mean);
  field("mean", &Diagnostics::mean);
  field("sd", &Diagnostics::sd);
  field("ess_mean", &Diagnostics::ess_mean);
  field("rhat_bulk", &Diagnostics::rhat_bulk);
  field("rhat_folded", &Diagnostics::rhat_folded);
}

void bind_diagnostics(py::module_& m) {
  m.def("diagnostics", &diagnostics_py, "samples"_a, "warn"_a = true,
        "Convergence diagnostics of MCMC draws (Vehtari et al. 2021, as ArviZ defines them). samples has shape "
        "(chains, draws) or (chains, draws, *shape), as in ArviZ; at least 4 draws per chain. Returns a dict of "
        "float64 arrays of shape `shape`: rhat (rank-normalized split R-hat, the larger of rhat_bulk and "
        "rhat_folded), ess_bulk, ess_tail, mcse_mean (Monte Carlo standard error of the mean; of the 0/1 "
        "indicator draws, that of P(s != 0)), mean, sd, ess_mean, rhat_bulk and rhat_folded (NaN where that term "
        "is undefined because its transformed draws are all equal). Quantities constant over all draws have "
        "rhat 1, every ESS equal to the number of split draws and mcse_mean 0. With warn, a RuntimeWarning names "
        "the quantities with rhat above 1.01 or bulk- or tail-ESS below 100 per chain.");
}

}  // namespace lsc::python
