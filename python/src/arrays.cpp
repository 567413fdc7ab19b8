#include "arrays.hpp"

#include <cmath>
#include <cstring>

#include "lsc/core/error.hpp"

namespace lsc::python {

using namespace pybind11::literals;

namespace {

std::string shape_of(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

std::string dtype_name(const py::array& a) { return py::str(a.dtype()); }

}  // namespace

ColumnsArg::ColumnsArg(py::handle obj, const std::string& name, Index expected_cols, const std::string& against) {
  const py::module_ np = py::module_::import("numpy");
  if (py::isinstance<py::array>(obj)) {
    array_ = py::reinterpret_borrow<py::array>(obj);
  } else {
    if (py::isinstance<py::str>(obj) || py::isinstance<py::bytes>(obj) || obj.is_none())
      throw Error(name + " must be an array of shape (n_samples, n_features); got " +
                  std::string(py::str(obj.get_type().attr("__name__"))) + ".");
    try {  // lists and other array-likes: converted (a copy) like np.asarray(X, dtype=float)
      array_ = np.attr("asarray")(obj, "dtype"_a = "float64");
    } catch (const py::error_already_set& e) {
      throw Error(name + " could not be read as an array of numbers (" + std::string(e.what()) +
                  "); pass a NumPy array of shape (n_samples, n_features).");
    }
  }
  if (array_.ndim() != 2)
    throw Error(name + " must be 2-D of shape (n_samples, n_features) but has shape " + shape_of(array_) +
                (array_.ndim() == 1 ? "; reshape a single point with " + name + ".reshape(1, -1)." : "."));
  const char kind = array_.dtype().kind();
  if (kind == 'c')
    throw Error(name + " has complex dtype " + dtype_name(array_) + "; pass real floating-point values.");
  if (kind != 'f')
    throw Error(name + " has dtype " + dtype_name(array_) + "; pass floating-point values, e.g. " + name +
                ".astype(np.float64) (float64 is used without a copy).");
  if (!(array_.flags() & py::array::c_style))
    throw Error(name + " is not C-contiguous (a transposed or sliced view); pass np.ascontiguousarray(" + name +
                "), whose rows are then read in place.");
  if (!array_.dtype().equal(py::dtype::of<double>()))  // float32, float16, big-endian: the one copy
    array_ = np.attr("ascontiguousarray")(array_, "dtype"_a = "float64");
  const Index N = array_.shape(0), D = array_.shape(1);
  if (N == 0 || D == 0)
    throw Error(name + " is empty (shape " + shape_of(array_) + "); pass at least one row and one column.");
  if (expected_cols > 0 && D != expected_cols)
    throw Error(name + " has " + std::to_string(D) + " features per row but " + against + " has D = " +
                std::to_string(expected_cols) + "; pass " + name + " of shape (n_samples, " +
                std::to_string(expected_cols) + ").");
  const double* data = static_cast<const double*>(array_.data());
  for (Index i = 0; i < N * D; ++i)
    if (!std::isfinite(data[i]))
      throw Error(name + " contains NaN or infinite values (the first at row " + std::to_string(i / D) +
                  ", column " + std::to_string(i % D) + "); remove or impute them first.");
  new (&view_) Eigen::Map<const Matrix>(data, D, N);
}

Matrix dictionary_from(py::handle obj, const std::string& name, Index expected_D) {
  // The model keeps its own copy of the dictionary, so any memory layout will do (A.T included).
  py::object contiguous = py::reinterpret_borrow<py::object>(obj);
  if (py::isinstance<py::array>(obj) && py::reinterpret_borrow<py::array>(obj).dtype().kind() == 'f')
    contiguous = py::module_::import("numpy").attr("ascontiguousarray")(obj);
  const ColumnsArg a(contiguous, name, expected_D, "the data");
  return a.view();
}

py::array rows_array(Matrix&& m) {
  auto* owned = new Matrix(std::move(m));
  const py::capsule free_when_done(owned, [](void* p) { delete static_cast<Matrix*>(p); });
  const auto K = static_cast<py::ssize_t>(owned->rows()), N = static_cast<py::ssize_t>(owned->cols());
  return py::array_t<double>({N, K}, {K * py::ssize_t(sizeof(double)), py::ssize_t(sizeof(double))},
                             owned->data(), free_when_done);
}

py::array components_array(const Matrix& A) { return rows_array(Matrix(A)); }

py::array stacked_rows_array(const std::vector<Matrix>& frames, Index K, Index N) {
  py::array_t<double> out({static_cast<py::ssize_t>(frames.size()), static_cast<py::ssize_t>(N),
                           static_cast<py::ssize_t>(K)});
  double* dst = out.mutable_data();
  for (const Matrix& f : frames) {
    std::memcpy(dst, f.data(), sizeof(double) * static_cast<std::size_t>(K * N));
    dst += K * N;
  }
  return out;
}

}  // namespace lsc::python
