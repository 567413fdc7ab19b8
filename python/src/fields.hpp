#pragma once
// A record's fields (core/fields.hpp, declared once in src/run/records.cpp) give its Python class
// everything: typed properties with named errors, TrainConfig(**options), to_dict(), repr and
// pickling. The default values are the C++ struct's own (no second copy of any default in
// Python); `lambda`, a Python keyword, is the attribute `lam`.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>  // fields returns a list

#include <algorithm>
#include <functional>
#include <type_traits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "convert.hpp"
#include "lsc/core/error.hpp"
#include "lsc/core/fields.hpp"

namespace lsc::python {

// The Python attribute of a field: its name, but `lam` for the keyword `lambda`.
inline std::string python_name(const std::string& field) { return field == "lambda" ? "lam" : field; }

template <class T>
class FieldTable {
 public:
  explicit FieldTable(py::class_<T>& cls) : cls_(cls), names_(std::make_shared<std::vector<std::string>>()) {}

  // A field with its own conversion (a matrix, say).
  FieldTable& add(const std::string& name, std::function<py::object(const T&)> get,
                  std::function<void(T&, py::handle)> set, const std::string& doc) {
    names_->push_back(name);
    cls_.def_property(name.c_str(), std::move(get), std::move(set), doc.c_str());  // pybind11 copies both
    return *this;
  }

  // Every field of a record's table (those named in skip left out): text fields read and written
  // as str (None: not set), the choices checked with a one-sentence error.
  FieldTable& add_fields(const Fields<T>& fields, const std::vector<std::string>& skip = {}) {
    for (const Field<T>& f : fields) {
      if (std::find(skip.begin(), skip.end(), f.name) != skip.end()) continue;
      const std::string n = python_name(f.name);
      std::visit(
          [&](const auto& m) {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, TextField<T>>) {
              add(
                  n, [m](const T& t) -> py::object {
                    const std::string v = m.get(t);
                    return v.empty() ? py::none() : py::cast(v);
                  },
                  [m, f, n](T& t, py::handle v) {
                    const std::string text = v.is_none() ? std::string() : from_py<std::string>(v, n);
                    check_choice(f, text);
                    m.set(t, text);
                  },
                  f.help);
            } else if constexpr (std::is_same_v<std::decay_t<decltype(field_ref(std::declval<T&>(), m))>, std::vector<Real>> ||
                                 std::is_same_v<std::decay_t<decltype(field_ref(std::declval<T&>(), m))>, nlohmann::json>) {
              // results (summary.json), which Python reads as a dict, not options
            } else {
              using V = std::decay_t<decltype(field_ref(std::declval<T&>(), m))>;
              if constexpr (std::is_arithmetic_v<V> && !std::is_same_v<V, bool>) {
                if (f.has(zero_is_unset)) {
                  // 0 is "not set" in the core (fields.hpp): None here, and an explicit 0 refused.
                  add(
                      n, [m](const T& t) { return field_ref(t, m) == V{} ? py::none() : to_py(field_ref(t, m)); },
                      [m, n](T& t, py::handle v) {
                        const V value = v.is_none() ? V{} : OptionalFromPy<V>::get(v, n);
                        if (!v.is_none() && value == V{})
                          throw Error(n + "=0 is no value of " + n +
                                      ", whose default is chosen by lsc; pass None or leave it out for the default.");
                        field_ref(t, m) = value;
                      },
                      f.help);
                  return;
                }
              }
              add(
                  n, [m](const T& t) { return to_py(field_ref(t, m)); },
                  [m, f, n](T& t, py::handle v) {
                    V value = OptionalFromPy<V>::get(v, n);
                    if constexpr (std::is_same_v<V, std::string>) check_choice(f, value);
                    field_ref(t, m) = std::move(value);
                  },
                  f.help);
            }
          },
          f.member);
    }
    return *this;
  }

  // __init__(**options), to_dict(), __repr__, pickling, and the list of field names.
  void finish(const char* type_name) {
    auto names = names_;
    const std::string type = type_name;
    auto assign = [names, type](T& t, const py::dict& options) {
      py::object self = py::cast(&t, py::return_value_policy::reference);
      for (auto item : options) {
        const std::string key = py::str(item.first);
        if (std::find(names->begin(), names->end(), key) == names->end()) {
          std::string all;
          for (const std::string& n : *names) all += (all.empty() ? "" : ", ") + n;
          throw py::type_error(type + "() got an unknown option '" + key + "'; the options are " + all + ".");
        }
        py::setattr(self, key.c_str(), item.second);
      }
    };
    cls_.def(py::init([assign](const py::kwargs& options) {
               T t;
               assign(t, options);
               return t;
             }),
             "Every option is a keyword; an option left out keeps the core's default.");
    cls_.def(
        "to_dict",
        [names](py::object self) {
          py::dict d;
          for (const std::string& n : *names) d[n.c_str()] = self.attr(n.c_str());
          return d;
        },
        "The options as a dict (None: the core's default, resolved by resolve_defaults).");
    cls_.def("__repr__", [names, type](py::object self) {
      std::string out = type + "(";
      for (std::size_t i = 0; i < names->size(); ++i)
        out += (i ? ", " : "") + (*names)[i] + "=" + std::string(py::repr(self.attr((*names)[i].c_str())));
      return out + ")";
    });
    cls_.def(py::pickle([](py::object self) { return py::dict(self.attr("to_dict")()); },
                        [assign](const py::dict& d) {
                          T t;
                          assign(t, d);
                          return t;
                        }));
    cls_.def_property_readonly_static(
        "fields", [names](py::object) { return *names; }, "The option names, in order.");
  }

 private:
  py::class_<T>& cls_;
  std::shared_ptr<std::vector<std::string>> names_;
};

}  // namespace lsc::python
