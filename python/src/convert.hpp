#pragma once
// Python values into the core's option types and back, with one-sentence errors that name the
// option. pybind11's own casts would report a wrong type as "incompatible function arguments";
// the users of these options deserve "steps must be a non-negative integer; got -1.".
#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "lsc/core/types.hpp"

namespace lsc::python {

namespace py = pybind11;

// Converts v for the option `name`; throws lsc::Error (lsc.LscError) for a wrong type or value.
template <class T>
T from_py(py::handle v, const std::string& name);

template <>
double from_py<double>(py::handle v, const std::string& name);
template <>
std::int64_t from_py<std::int64_t>(py::handle v, const std::string& name);
template <>
std::uint64_t from_py<std::uint64_t>(py::handle v, const std::string& name);
template <>
int from_py<int>(py::handle v, const std::string& name);
template <>
bool from_py<bool>(py::handle v, const std::string& name);
template <>
std::string from_py<std::string>(py::handle v, const std::string& name);

// Unwraps std::optional: None is "not set" (the core's documented default).
template <class T>
struct OptionalFromPy {
  static T get(py::handle v, const std::string& name) { return from_py<T>(v, name); }
};
template <class T>
struct OptionalFromPy<std::optional<T>> {
  static std::optional<T> get(py::handle v, const std::string& name) {
    if (v.is_none()) return std::nullopt;
    return from_py<T>(v, name);
  }
};

template <class T>
py::object to_py(const T& value) {
  return py::cast(value);
}
template <class T>
py::object to_py(const std::optional<T>& value) {
  return value ? py::cast(*value) : py::none();
}

// JSON across the boundary goes through Python's json module: the values are small
// (preprocessing recipes, summaries) and both sides then keep their own natural types.
py::object json_to_py(const nlohmann::json& j);
nlohmann::json json_from_py(py::handle obj);

// The exception Python has set (PyErr_Occurred), taken out of the error indicator with its
// traceback attached, so it can be raised again later from Python.
py::object fetch_python_error();

}  // namespace lsc::python
