#include "lsc/eval/recovery.hpp"

#include <algorithm>
#include <cmath>

namespace lsc {

std::vector<Real> best_abs_cosine(const Matrix& truth, const Matrix& learned) {
  std::vector<Real> best(static_cast<std::size_t>(truth.cols()), 0.0);
  for (Index k = 0; k < truth.cols(); ++k) {
    const Real nt = truth.col(k).norm();
    for (Index j = 0; j < learned.cols(); ++j) {
      const Real nl = learned.col(j).norm();
      if (nt == 0 || nl == 0) continue;
      best[k] = std::max(best[k], std::abs(truth.col(k).dot(learned.col(j))) / (nt * nl));
    }
  }
  return best;
}

}  // namespace lsc
