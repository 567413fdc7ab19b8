#include "common.hpp"

#include <algorithm>
#include <cmath>

namespace lsc::experiment::detail {

void say(const Options& o, const std::string& line) {
  if (o.log) o.log(line);
}

Real quantile(std::vector<Real> v, Real q) {
  std::sort(v.begin(), v.end());
  const Real pos = q * Real(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - Real(lo)) * (v[hi] - v[lo]);
}

std::vector<Real> sorted_norms(const Matrix& A) {
  std::vector<Real> n;
  for (Index k = 0; k < A.cols(); ++k) n.push_back(A.col(k).norm());
  std::sort(n.rbegin(), n.rend());
  return n;
}

}  // namespace lsc::experiment::detail
