#include "l0_case.hpp"

#include <cmath>
#include <functional>

#include "quadrature.hpp"

namespace lsc::test {

L0Case l0_case() {
  Matrix A(3, 2);
  A << 1.0, 0.6, 0.0, 0.8, 0.2, 0.1;
  L0Case c{Model{A, 0.5, Prior::make(PriorKind::l0, 1.0, 0.3)}, Vector(3), {}};
  c.x << 0.9, 0.7, 0.1;
  const Real pi = 0.3, lambda = 1.0, var = 0.25, inf = INFINITY;
  const auto lik = [&](Real s1, Real s2) {
    return std::exp(-(c.x - A.col(0) * s1 - A.col(1) * s2).squaredNorm() / (2 * var));
  };
  const auto slab = [&](Real s) { return pi * lambda * std::exp(-lambda * s); };
  // ∫ f(s₁, s₂) dP over each region.
  const auto regions = [&](const std::function<Real(Real, Real)>& f) {
    return (1 - pi) * (1 - pi) * f(0, 0) * lik(0, 0) +
           integrate([&](Real s) { return (1 - pi) * slab(s) * f(s, 0) * lik(s, 0); }, 0, inf) +
           integrate([&](Real s) { return (1 - pi) * slab(s) * f(0, s) * lik(0, s); }, 0, inf) +
           integrate_2d(
               [&](Real a, Real b) { return slab(a) * slab(b) * f(a, b) * lik(a, b); }, 0, inf, 0,
               inf);
  };
  const Real Z = regions([](Real, Real) { return 1.0; });
  c.exact[0] = regions([](Real a, Real) { return a > 0 ? 1.0 : 0.0; }) / Z;
  c.exact[1] = regions([](Real, Real b) { return b > 0 ? 1.0 : 0.0; }) / Z;
  c.exact[2] = regions([](Real a, Real) { return a; }) / Z;
  c.exact[3] = regions([](Real, Real b) { return b; }) / Z;
  return c;
}

std::vector<Estimate> l0_estimates(Sampler& dynamics, const L0Case& c, int steps) {
  const Index N = 2000;
  ChainState chains = ChainState::zeros(2, N);
  const Matrix avg = chain_averages(dynamics, c.model, c.x.replicate(1, N), chains,
                                    static_cast<int>(50 / dynamics.eps()), steps, 4,
                                    [](const Matrix& S, Matrix& acc) {
                                      acc.topRows(2) += (S.array() > 0).cast<Real>().matrix();
                                      acc.bottomRows(2) += S;
                                    });
  std::vector<Estimate> out;
  for (Index i = 0; i < 4; ++i) out.push_back(mean_se(avg.row(i)));
  return out;
}

}  // namespace lsc::test
