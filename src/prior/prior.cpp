#include "lsc/prior/prior.hpp"

#include <limits>
#include <numbers>

#include "lsc/core/error.hpp"
#include "lsc/core/special.hpp"

namespace lsc {

namespace {
struct NameOf {
  PriorKind kind;
  const char* name;
};
constexpr NameOf kNames[] = {{PriorKind::l0, "l0"},
                             {PriorKind::l1, "l1"},
                             {PriorKind::laplace, "laplace"},
                             {PriorKind::gaussian, "gaussian"},
                             {PriorKind::cauchy, "cauchy"}};
}  // namespace

Prior Prior::make(PriorKind kind, Real lambda, Real pi) {
  require(std::isfinite(lambda) && lambda > 0,
          "lambda must be a positive number (got " + std::to_string(lambda) + "); pass e.g. --lambda 1.");
  if (kind == PriorKind::cauchy)
    require(lambda > 0.5, "the Cauchy-type prior (1+s^2)^-lambda needs lambda > 0.5 to be normalizable (got " +
                              std::to_string(lambda) + "); use --lambda 1 for the Cauchy prior.");
  if (kind == PriorKind::l0) {
    require(std::isfinite(pi) && pi > 0 && pi <= 1,
            "pi must lie in (0, 1] (got " + std::to_string(pi) + "); pass e.g. --pi 0.3.");
  } else {
    pi = 1.0;
  }
  return Prior{kind, lambda, pi};
}

PriorKind Prior::kind_from_name(const std::string& name) {
  for (const NameOf& n : kNames)
    if (name == n.name) return n.kind;
  throw Error("unknown prior '" + name + "'; choose one of l0, l1, laplace, gaussian, cauchy.");
}

std::vector<std::string> Prior::names() {
  std::vector<std::string> out;
  for (const NameOf& n : kNames) out.emplace_back(n.name);
  return out;
}

std::string Prior::name() const {
  for (const NameOf& n : kNames)
    if (n.kind == kind) return n.name;
  return "?";
}

Real Prior::cost_s(Real s) const {
  switch (kind) {
    case PriorKind::gaussian: return 0.5 * s * s;
    case PriorKind::cauchy: return std::log1p(s * s);
    default: return std::abs(s);
  }
}

Real Prior::expected_cost() const {
  switch (kind) {
    case PriorKind::gaussian: return 0.5 / lambda;  // E[s²/2] with s ~ N(0, 1/λ)
    // s = t/√ν with t Student-t of ν = 2λ − 1 degrees: E log(1 + t²/ν) = ψ(λ) − ψ(λ − ½).
    case PriorKind::cauchy: return digamma(lambda) - digamma(lambda - 0.5);
    default: return 1.0 / lambda;  // E|s| of Laplace, exponential and the slab
  }
}

Real Prior::log_density(Real s) const {
  switch (kind) {
    case PriorKind::gaussian:
      return 0.5 * std::log(lambda / (2 * std::numbers::pi)) - 0.5 * lambda * s * s;
    case PriorKind::cauchy:
      // Normalizer of (1+s²)^−λ: √π Γ(λ−½)/Γ(λ).
      return -lambda * std::log1p(s * s) - 0.5 * std::log(std::numbers::pi) -
             std::lgamma(lambda - 0.5) + std::lgamma(lambda);
    case PriorKind::laplace: return std::log(0.5 * lambda) - lambda * std::abs(s);
    case PriorKind::l1:
    case PriorKind::l0:
      if (s < 0) return -std::numeric_limits<Real>::infinity();
      return std::log(pi) + std::log(lambda) - lambda * s;
  }
  return 0;
}

Real Prior::cdf(Real s) const {
  switch (kind) {
    case PriorKind::gaussian: return 0.5 * std::erfc(-s * std::sqrt(lambda / 2));
    case PriorKind::cauchy: return student_t_cdf(s, lambda);
    case PriorKind::laplace:
      return s < 0 ? 0.5 * std::exp(lambda * s) : 1 - 0.5 * std::exp(-lambda * s);
    case PriorKind::l1:
    case PriorKind::l0:
      return s < 0 ? 0.0 : 1 - pi * std::exp(-lambda * s);
  }
  return 0;
}

Real Prior::variance() const {
  switch (kind) {
    case PriorKind::gaussian: return 1 / lambda;
    case PriorKind::cauchy:
      return lambda > 1.5 ? 1 / (2 * lambda - 3) : std::numeric_limits<Real>::infinity();
    case PriorKind::laplace: return 2 / (lambda * lambda);
    case PriorKind::l1:
    case PriorKind::l0:
      // slab mean 1/λ, second moment 2/λ², mixed with the spike
      return pi * 2 / (lambda * lambda) - (pi / lambda) * (pi / lambda);
  }
  return 0;
}

}  // namespace lsc
