#include "convert.hpp"

#include <cmath>
#include <limits>

#include "lsc/core/error.hpp"

namespace lsc::python {

namespace {

std::string repr_of(py::handle v) {
  std::string r = py::repr(v);
  if (r.size() > 40) r = r.substr(0, 37) + "...";
  return r + " (" + std::string(py::str(v.get_type().attr("__name__"))) + ")";
}

bool is_bool(py::handle v) {
  return py::isinstance<py::bool_>(v) || py::isinstance(v, py::module_::import("numpy").attr("bool_"));
}

// An integer value: Python and NumPy integers, and floats with an integral value (steps=2e4).
long double integral_value(py::handle v, const std::string& name, const char* what) {
  if (is_bool(v) || py::isinstance<py::str>(v))
    throw Error(name + " must be " + what + "; got " + repr_of(v) + ".");
  if (PyFloat_Check(v.ptr()) || py::isinstance(v, py::module_::import("numpy").attr("floating"))) {
    const double d = py::cast<double>(v);
    if (!std::isfinite(d) || d != std::floor(d))
      throw Error(name + " must be " + what + "; got " + repr_of(v) + ".");
    return static_cast<long double>(d);
  }
  PyObject* index = PyNumber_Index(v.ptr());
  if (!index) {
    PyErr_Clear();
    throw Error(name + " must be " + what + "; got " + repr_of(v) + ".");
  }
  const py::object owned = py::reinterpret_steal<py::object>(index);
  int overflow = 0;
  const long long value = PyLong_AsLongLongAndOverflow(index, &overflow);
  if (overflow > 0) {  // above the signed range: only uint64 options can hold it
    const unsigned long long u = PyLong_AsUnsignedLongLong(index);
    if (PyErr_Occurred()) {
      PyErr_Clear();
      throw Error(name + " is too large; got " + repr_of(v) + ".");
    }
    return static_cast<long double>(u);
  }
  if (overflow < 0) throw Error(name + " is too small; got " + repr_of(v) + ".");
  return static_cast<long double>(value);
}

}  // namespace

template <>
double from_py<double>(py::handle v, const std::string& name) {
  if (is_bool(v) || py::isinstance<py::str>(v) || py::isinstance<py::bytes>(v))
    throw Error(name + " must be a number; got " + repr_of(v) + ".");
  const double d = PyFloat_AsDouble(v.ptr());
  if (d == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    throw Error(name + " must be a number; got " + repr_of(v) + ".");
  }
  if (!std::isfinite(d)) throw Error(name + " must be finite; got " + repr_of(v) + ".");
  return d;
}

template <>
std::int64_t from_py<std::int64_t>(py::handle v, const std::string& name) {
  const long double x = integral_value(v, name, "an integer");
  if (x > static_cast<long double>(std::numeric_limits<std::int64_t>::max()))
    throw Error(name + " is too large; got " + repr_of(v) + ".");
  return static_cast<std::int64_t>(x);
}

template <>
std::uint64_t from_py<std::uint64_t>(py::handle v, const std::string& name) {
  const long double x = integral_value(v, name, "a non-negative integer");
  if (x < 0) throw Error(name + " must be a non-negative integer; got " + repr_of(v) + ".");
  if (PyLong_Check(v.ptr()) && x > static_cast<long double>(std::numeric_limits<std::int64_t>::max()))
    return PyLong_AsUnsignedLongLong(v.ptr());  // exact above 2^63, where long double rounds
  return static_cast<std::uint64_t>(x);
}

template <>
int from_py<int>(py::handle v, const std::string& name) {
  const long double x = integral_value(v, name, "an integer");
  if (x > std::numeric_limits<int>::max() || x < std::numeric_limits<int>::min())
    throw Error(name + " is out of range; got " + repr_of(v) + ".");
  return static_cast<int>(x);
}

template <>
bool from_py<bool>(py::handle v, const std::string& name) {
  if (!is_bool(v)) throw Error(name + " must be True or False; got " + repr_of(v) + ".");
  return PyObject_IsTrue(v.ptr()) == 1;
}

template <>
std::string from_py<std::string>(py::handle v, const std::string& name) {
  if (py::isinstance<py::str>(v)) return py::cast<std::string>(v);
  // Paths are welcome wherever a file name is.
  if (py::isinstance(v, py::module_::import("os").attr("PathLike")))
    return py::cast<std::string>(py::module_::import("os").attr("fspath")(v));
  throw Error(name + " must be a string; got " + repr_of(v) + ".");
}

py::object json_to_py(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

nlohmann::json json_from_py(py::handle obj) {
  if (obj.is_none()) return nlohmann::json();
  const std::string text = py::cast<std::string>(py::module_::import("json").attr("dumps")(obj));
  return nlohmann::json::parse(text);
}

py::object fetch_python_error() {
  PyObject *type = nullptr, *value = nullptr, *trace = nullptr;
  PyErr_Fetch(&type, &value, &trace);
  PyErr_NormalizeException(&type, &value, &trace);
  if (trace) PyException_SetTraceback(value, trace);
  Py_XDECREF(type);
  Py_XDECREF(trace);
  return py::reinterpret_steal<py::object>(value);
}

}  // namespace lsc::python
