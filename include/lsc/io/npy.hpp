#pragma once
// NumPy .npy files (format versions 1.0, 2.0 and 3.0), restricted to little-endian float32 and
// float64 so that every accepted file has exactly one meaning. Reading validates the header and
// the file size strictly; writing is atomic.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <vector>

#include "lsc/core/types.hpp"
#include "lsc/io/atomic_file.hpp"

namespace lsc::io {

enum class Dtype { f32, f64 };

struct NpyArray {
  std::vector<std::size_t> shape;
  std::vector<double> data;  // logical C (row-major) order, whatever the order in the file
  Dtype dtype = Dtype::f64;
};

NpyArray read_npy(const std::filesystem::path& path);

// Writes C-order (logical row-major) data of the given shape as '<f4' or '<f8', atomically.
void write_npy(const std::filesystem::path& path, const double* data,
               const std::vector<std::size_t>& shape, Dtype dtype = Dtype::f64);
// The same into a staged file (one of an OutputSet), which the caller commits.
void write_npy(AtomicFile& file, const double* data, const std::vector<std::size_t>& shape,
               Dtype dtype = Dtype::f64);

// Reads a 2-D (N, D) array into a D×N matrix whose column n is row n of the file. Throws if the
// array is not 2-D, if expected_cols is given and differs from D, or if a value is NaN or Inf.
Matrix read_npy_rows(const std::filesystem::path& path,
                     std::optional<std::size_t> expected_cols = std::nullopt);

// Writes a D×N matrix as a C-order (N, D) array: the matrix's own bytes when dtype is f64.
void write_npy_rows(const std::filesystem::path& path, const Matrix& columns,
                    Dtype dtype = Dtype::f64);
void write_npy_rows(AtomicFile& file, const Matrix& columns, Dtype dtype = Dtype::f64);

}  // namespace lsc::io
