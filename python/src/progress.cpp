#include "progress.hpp"

namespace lsc::python {

std::function<void(std::uint64_t, std::uint64_t)> progress_to_python(const py::object& on_progress) {
  const py::object* f = &on_progress;
  return [f](std::uint64_t done, std::uint64_t total) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw PythonErrorPending{};
    if (f->is_none()) return;
    try {
      (*f)(done, total);
    } catch (py::error_already_set& e) {
      e.restore();
      throw PythonErrorPending{};
    }
  };
}

}  // namespace lsc::python
