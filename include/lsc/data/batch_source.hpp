#pragma once
// Where the learners' batches come from. A batch is a pure function of its index, so a run is
// reproducible and can be resumed at any batch.
#include <cstdint>

#include "lsc/core/types.hpp"

namespace lsc {

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual Index dim() const = 0;
  // Fills X (D×n) with batch number `index`.
  virtual void batch(std::uint64_t index, Index n, Matrix& X) const = 0;
  // Columns first .. first+n−1 of batch(index, total): a rank's share of the batch (MPI). This
  // default builds the whole batch; the sources whose points are functions of their position
  // build only the share.
  virtual void batch_columns(std::uint64_t index, Index total, Index first, Index n, Matrix& X) const;
};

// The data's scale: √(mean over features of their variance), from `n` points of batch 0 (a
// fixed sample, so a run's start depends only on its seed).
Real feature_scale(const BatchSource& source, Index n = 4096);

// Batches drawn uniformly with replacement from the columns of a fixed data matrix.
class ArraySource final : public BatchSource {
 public:
  ArraySource(Matrix data, std::uint64_t seed);
  // Views data owned by the caller, which must outlive the source (the Python bindings pass
  // NumPy arrays this way, without a copy).
  ArraySource(Eigen::Map<const Matrix> data, std::uint64_t seed);
  ArraySource(const ArraySource&) = delete;  // data_ may point into owned_
  ArraySource& operator=(const ArraySource&) = delete;
  Index dim() const override { return data_.rows(); }
  void batch(std::uint64_t index, Index n, Matrix& X) const override;
  void batch_columns(std::uint64_t index, Index total, Index first, Index n, Matrix& X) const override;
  const Eigen::Map<const Matrix>& data() const { return data_; }

 private:
  Matrix owned_;
  Eigen::Map<const Matrix> data_;
  std::uint64_t seed_;
};

}  // namespace lsc
