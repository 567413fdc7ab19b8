#include "lsc/data/batch_source.hpp"

#include <cmath>

#include "lsc/core/error.hpp"
#include "lsc/core/rng.hpp"

namespace lsc {

ArraySource::ArraySource(Matrix data, std::uint64_t seed)
    : owned_(std::move(data)), data_(owned_.data(), owned_.rows(), owned_.cols()), seed_(seed) {
  require(data_.cols() > 0 && data_.rows() > 0, "the data set is empty; pass an array of shape (N, D) with N, D >= 1.");
}

ArraySource::ArraySource(Eigen::Map<const Matrix> data, std::uint64_t seed) : data_(data), seed_(seed) {
  require(data_.cols() > 0 && data_.rows() > 0, "the data set is empty; pass an array of shape (N, D) with N, D >= 1.");
}

void BatchSource::batch_columns(std::uint64_t index, Index total, Index first, Index n, Matrix& X) const {
  require(first >= 0 && n >= 0 && first + n <= total, "the columns asked for lie outside the batch.");
  Matrix all;
  batch(index, total, all);
  X = all.middleCols(first, n);
}

void ArraySource::batch(std::uint64_t index, Index n, Matrix& X) const { batch_columns(index, n, 0, n, X); }

void ArraySource::batch_columns(std::uint64_t index, Index total, Index first, Index n, Matrix& X) const {
  require(first >= 0 && n >= 0 && first + n <= total, "the columns asked for lie outside the batch.");
  const Philox rng(seed_);
  X.resize(data_.rows(), n);
  const auto points = static_cast<std::uint64_t>(data_.cols());
  for (Index j = 0; j < n; ++j) {
    // A 32-bit word modulo N is uniform enough for N ≪ 2^32 (bias < N / 2^32).
    const std::uint32_t w = rng.words(Purpose::batch, index, static_cast<std::uint64_t>(first + j), 0)[0];
    X.col(j) = data_.col(static_cast<Index>(w % points));
  }
}

Real feature_scale(const BatchSource& source, Index n) {
  Matrix X;
  source.batch(0, n, X);
  const Vector mean = X.rowwise().mean();
  return std::sqrt((X.colwise() - mean).squaredNorm() / Real(X.size()));
}

}  // namespace lsc
