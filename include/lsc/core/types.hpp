#pragma once
// Scalar and array types of the core. Batches are column-major: X is D×N, S and U are K×N,
// so a C-order (N, D) .npy array has exactly the bytes of X (science.md, "Model").
#include <Eigen/Dense>
#include <cstdint>

namespace lsc {

using Real = double;
using Matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;
using Vector = Eigen::Matrix<Real, Eigen::Dynamic, 1>;
using RowVector = Eigen::Matrix<Real, 1, Eigen::Dynamic>;
using Index = Eigen::Index;

}  // namespace lsc
