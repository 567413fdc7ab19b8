#include "lsc/model/divergence.hpp"

#include <cmath>
#include <sstream>

#include "lsc/core/error.hpp"

namespace lsc {

void check_finite_chains(const Model& model, const Matrix& U, std::uint64_t step, Real eps) {
  if (!U.allFinite()) report_diverged_chains(model, step, eps);
}

void report_diverged_chains(const Model& model, std::uint64_t step, Real eps) {
  if (!std::isfinite(model.A.squaredNorm())) report_diverged_dictionary(step);
  const Real stiffness = eps * lipschitz_constant(model);
  std::ostringstream msg;
  msg << "the coefficient dynamics diverged at step " << step
      << " (non-finite values): the step size dt/tau_u = " << eps
      << " times the stiffness max eig(A^T A)/sigma^2 is " << stiffness
      << ", which must stay well below 2; increase --tau-u (e.g. to "
      << std::ceil(2 * stiffness / eps) << " or more) or decrease the dictionary's scale.";
  throw Error(msg.str());
}

void check_finite_dictionary(const Matrix& A, std::uint64_t step) {
  // NaN and inf propagate into the sum, and so do finite values whose products overflow (a
  // dictionary at 1e200 is as lost as one at inf, and the metrics would print inf).
  if (!std::isfinite(A.squaredNorm())) report_diverged_dictionary(step);
}

void report_diverged_dictionary(std::uint64_t step) {
  throw Error("the dictionary diverged (its values grew beyond what can be computed with) at step " +
              std::to_string(step) + "; increase --tau-A (a slower dictionary) or --tau-u (a smaller coefficient step).");
}

}  // namespace lsc
