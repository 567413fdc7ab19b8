#include "lsc/prior/prior_sampling.hpp"

#include <cmath>

#include "lsc/core/error.hpp"

namespace lsc {

namespace {

// Attempts of the gamma sampler per element; block = element · kAttempts + attempt.
constexpr std::uint32_t kAttempts = 256;

// Gamma(a, 1) by Marsaglia & Tsang (2000): for shape b ≥ 1, d = b − 1/3, c = 1/√(9d), propose
// v = (1 + c z)³ and accept when log U < z²/2 + d − d v + d log v (acceptance > 95 %); shapes
// a < 1 use Gamma(a + 1) · U^{1/a}. Returns the draw and, in z_out, a standard normal
// independent of it (the second Box-Muller normal of the accepted attempt).
Real gamma_draw(Real a, const Philox& rng, Purpose purpose, std::uint64_t step, std::uint64_t chain,
                std::uint32_t element, Real& z_out) {
  const Real b = a < 1 ? a + 1 : a;
  const Real d = b - 1.0 / 3.0, c = 1.0 / std::sqrt(9 * d);
  for (std::uint32_t attempt = 0; attempt < kAttempts; ++attempt) {
    const auto w = rng.words(purpose, step, chain, element * kAttempts + attempt);
    Real z0, z1;
    Philox::box_muller(w[0], w[1], z0, z1);
    const Real v = std::pow(1 + c * z0, 3);
    if (v <= 0) continue;
    if (std::log(Philox::uniform(w[2])) < 0.5 * z0 * z0 + d - d * v + d * std::log(v)) {
      z_out = z1;
      Real g = d * v;
      if (a < 1) g *= std::pow(Philox::uniform(w[3]), 1 / a);
      return g;
    }
  }
  throw Error("the gamma sampler of the Cauchy-type prior rejected 256 proposals in a row, which cannot happen "
              "with a correct prior; check that lambda > 0.5.");
}

}  // namespace

Real log_prior_u(const Prior& prior, Real u) {
  if (prior.nonnegative()) return std::log(0.5 * prior.lambda) - prior.lambda * std::abs(u);
  return prior.log_density(u);
}

Real draw_prior_u(const Prior& prior, const Philox& rng, Purpose purpose, std::uint64_t step, std::uint64_t chain,
                  std::uint32_t element) {
  const Real lambda = prior.lambda;
  switch (prior.kind) {
    case PriorKind::gaussian: {
      const auto w = rng.words(purpose, step, chain, element * kAttempts);
      Real z0, z1;
      Philox::box_muller(w[0], w[1], z0, z1);
      return z0 / std::sqrt(lambda);  // N(0, 1/λ)
    }
    case PriorKind::cauchy: {
      // (1 + u²)^{−λ} is the scale mixture u | g ~ N(0, 1/(2g)), g ~ Gamma(λ − ½, 1):
      // ∫ √(g/π) e^{−g u²} g^{λ−3/2} e^{−g} dg ∝ (1 + u²)^{−λ}.
      Real z = 0;
      const Real g = gamma_draw(lambda - 0.5, rng, purpose, step, chain, element, z);
      return z / std::sqrt(2 * g);
    }
    case PriorKind::laplace:
    case PriorKind::l1:
    case PriorKind::l0: {
      // |u| ~ Exp(λ) by inversion, the sign from an independent word.
      const auto w = rng.words(purpose, step, chain, element * kAttempts);
      const Real a = -std::log(Philox::uniform(w[0])) / lambda;
      return (w[1] & 1u) ? -a : a;
    }
  }
  return 0;
}

Real draw_u_given_s(const Prior& prior, Real s, const Philox& rng, Purpose purpose, std::uint64_t step,
                    std::uint64_t chain, std::uint32_t element) {
  if (!prior.nonnegative()) return s;
  const auto w = rng.words(purpose, step, chain, element * kAttempts);
  const Real sign = (w[1] & 1u) ? -1.0 : 1.0;
  const Real u0 = prior.u0(), lambda = prior.lambda;
  if (s > 0) return sign * (s + u0);
  // Inverse CDF of the truncated exponential: |u| = −log(1 − V (1 − e^{−λ u0})) / λ.
  const Real mass = -std::expm1(-lambda * u0);
  return sign * (-std::log1p(-Philox::uniform(w[0]) * mass) / lambda);
}

}  // namespace lsc
