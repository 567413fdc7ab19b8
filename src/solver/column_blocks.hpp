#pragma once
// What the MAP solvers (proximal gradient, LCA) share: the data are split into fixed blocks of
// columns, each iterated to the end on its own, and the one product of every step, Aᵀ(x − As),
// is taken in whichever of two equal forms needs fewer operations.
#include <algorithm>

#include "lsc/core/types.hpp"

namespace lsc::detail {

// Columns per block: a block's K×n state (the iterate, its extrapolation, the step) is about
// 768 KiB, so it stays in cache from step to step while its products are still wide enough to run
// at full speed; measured on bench/map_vs_sklearn.py's problems, blocks of 64 to 256 columns ran
// the 144×169 one 10 % faster than a single block of all 4096 and the 64×256 one as fast. A few
// thousand points make enough blocks to share among threads. The width depends on K only, never
// on the thread count, so results are the same for any number of threads.
inline Index map_block_columns(Index K) { return std::clamp<Index>(32768 / std::max<Index>(K, 1), 64, 1024); }

// Per-thread scratch of CorrelationStep.
struct CorrelationWork {
  Matrix B;  // c·AᵀX of the block (Gram form)
  Matrix R;  // X − A·Y (direct form)
};

// V = c·Aᵀ(X − A·Y) for one block of columns. Directly this is two products of D×K by K×n,
// 4DKn operations; through the Gram matrix it is c·AᵀX (once per block) minus (c·AᵀA)·Y,
// 2K²n operations a step. The Gram form is taken when it is cheaper, K < 2D.
class CorrelationStep {
 public:
  CorrelationStep(const Matrix& A, Real c) : A_(A), c_(c), gram_(A.cols() < 2 * A.rows()) {
    if (gram_) H_.noalias() = c * (A.transpose() * A);
  }

  // Called once per block before its steps.
  void bind(const Eigen::Ref<const Matrix>& X, CorrelationWork& w) const {
    if (gram_) w.B.noalias() = c_ * (A_.transpose() * X);
  }

  void apply(const Eigen::Ref<const Matrix>& X, const Matrix& Y, Matrix& V, CorrelationWork& w) const {
    if (gram_) {
      V = w.B;
      V.noalias() -= H_ * Y;
    } else {
      w.R = X;
      w.R.noalias() -= A_ * Y;
      V.noalias() = c_ * (A_.transpose() * w.R);
    }
  }

 private:
  const Matrix& A_;
  Real c_;
  bool gram_;
  Matrix H_;
};

}  // namespace lsc::detail
