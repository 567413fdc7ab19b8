#pragma once
// NumPy arrays into and out of the core. A C-ordered (N, D) float64 array holds exactly the bytes
// of the core's column-major D×N matrix (core/types.hpp), so data are viewed in place, never
// copied; results come back as arrays that own the core's matrices, again without a copy.
// Every unusable array raises lsc.LscError with one sentence naming the argument.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "lsc/core/types.hpp"

namespace lsc::python {

namespace py = pybind11;

// A D×N view of a Python (N, D) array. float64 C-ordered arrays are used in place; other
// floating-point arrays (float32, big-endian) are converted to float64 first, the one copy the
// layout forces. Non-numeric, integer, boolean or complex dtypes, arrays that are not
// C-contiguous, that are not 2-D, that are empty, or that hold NaN or infinity are refused.
class ColumnsArg {
 public:
  // expected_cols > 0 also requires D == expected_cols; `against` names what fixes D.
  ColumnsArg(py::handle obj, const std::string& name, Index expected_cols = 0,
             const std::string& against = "the dictionary");
  const Eigen::Map<const Matrix>& view() const { return view_; }
  // The array the view reads (the caller's own, or its float64 conversion).
  const py::array& array() const { return array_; }

 private:
  py::array array_;  // keeps the memory alive while the core reads it
  Eigen::Map<const Matrix> view_{nullptr, 0, 0};
};

// The D×K dictionary of a (K, D) array in any memory layout (a copy: the model owns it).
Matrix dictionary_from(py::handle obj, const std::string& name, Index expected_D = 0);

// A K×N matrix as the C-ordered (N, K) array with the same bytes, owning it.
py::array rows_array(Matrix&& m);
// The (K, D) array of a D×K dictionary (a copy, so the array never dangles when the model changes).
py::array components_array(const Matrix& A);
// T matrices of K×N as one (T, N, K) array.
py::array stacked_rows_array(const std::vector<Matrix>& frames, Index K, Index N);

}  // namespace lsc::python
