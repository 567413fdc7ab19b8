#include "lsc/core/statistics.hpp"

#include <algorithm>
#include <limits>

namespace lsc {

Real median(std::vector<Real> v) {
  if (v.empty()) return std::numeric_limits<Real>::quiet_NaN();
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (v.size() % 2) return *mid;
  return 0.5 * (*mid + *std::max_element(v.begin(), mid));
}

}  // namespace lsc
