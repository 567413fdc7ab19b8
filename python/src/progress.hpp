#pragma once
// Progress from the core to Python while the GIL is released: each call takes the GIL back,
// checks Ctrl-C and calls the user's on_progress(done, total). A pending Python exception
// (KeyboardInterrupt, or one raised by on_progress) unwinds the core as PythonErrorPending, which
// the binding turns back into that exception once the GIL is held again.
#include <pybind11/pybind11.h>

#include <cstdint>
#include <functional>

namespace lsc::python {

namespace py = pybind11;

struct PythonErrorPending {};

// on_progress (may be None) must outlive the returned function; the function holds a pointer, so
// the core may copy it without the GIL.
std::function<void(std::uint64_t, std::uint64_t)> progress_to_python(const py::object& on_progress);

// f() with the GIL released; a PythonErrorPending thrown through it comes out as the pending
// Python exception, raised once the GIL is back (the release guard is gone by the handler).
template <class F>
auto without_gil(F&& f) {
  try {
    py::gil_scoped_release release;
    return f();
  } catch (const PythonErrorPending&) {
    throw py::error_already_set();
  }
}

}  // namespace lsc::python
