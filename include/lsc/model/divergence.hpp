#pragma once
// What the dynamics say when they blow up: one sentence naming the step and what to change.
#include <cstdint>

#include "lsc/model/model.hpp"

namespace lsc {

// Throws Error with a sentence naming the step and what to change if U is not finite: the
// stiffness ε·max eig(AᵀA)/σ² and the --tau-u that brings it below 2.
void check_finite_chains(const Model& model, const Matrix& U, std::uint64_t step, Real eps);
// That sentence, for chains known to have diverged (on some rank).
[[noreturn]] void report_diverged_chains(const Model& model, std::uint64_t step, Real eps);

// Throws Error if A is not finite, or so large that AᵀA overflows: the dictionary moved too fast.
void check_finite_dictionary(const Matrix& A, std::uint64_t step);
// That sentence, for a dictionary known to have diverged.
[[noreturn]] void report_diverged_dictionary(std::uint64_t step);

}  // namespace lsc
