#include "lsc/core/special.hpp"

#include <cmath>
#include <limits>

namespace lsc {

Real digamma(Real x) {
  // Shift up with ψ(x) = ψ(x + 1) − 1/x, then the asymptotic series in 1/x².
  Real acc = 0;
  while (x < 8) {
    acc -= 1 / x;
    x += 1;
  }
  const Real r = 1 / (x * x);
  return acc + std::log(x) - 0.5 / x -
         r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r / 132))));
}

namespace {
// Continued fraction of I_x(a, b) (modified Lentz), valid for x < (a + 1)/(a + b + 2).
Real beta_fraction(Real x, Real a, Real b) {
  constexpr Real tiny = 1e-300;
  Real c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::abs(d) < tiny) d = tiny;
  d = 1 / d;
  Real h = d;
  for (int m = 1; m < 500; ++m) {
    const Real m2 = 2.0 * m;
    Real num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    for (int half = 0; half < 2; ++half) {
      d = 1 + num * d;
      if (std::abs(d) < tiny) d = tiny;
      c = 1 + num / c;
      if (std::abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
      num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    }
    if (std::abs(d * c - 1) < 1e-15) break;
  }
  return h;
}
}  // namespace

Real incomplete_beta(Real x, Real a, Real b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const Real log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) +
                         b * std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return std::exp(log_front) * beta_fraction(x, a, b) / a;
  return 1 - std::exp(log_front) * beta_fraction(1 - x, b, a) / b;
}

Real student_t_cdf(Real s, Real lambda) {
  const Real nu = 2 * lambda - 1;
  const Real t2 = s * s * nu;  // t = s √ν
  const Real tail = 0.5 * incomplete_beta(nu / (nu + t2), nu / 2, 0.5);
  return s >= 0 ? 1 - tail : tail;
}

}  // namespace lsc
