#pragma once
// Dictionary recovery (§4.1): for each true element, the best |cosine| with a learned one.
#include <vector>

#include "lsc/core/types.hpp"

namespace lsc {

// truth is D×Kt, learned D×K; entry k is max_j |cos(truth_k, learned_j)| (0 for zero columns).
std::vector<Real> best_abs_cosine(const Matrix& truth, const Matrix& learned);

}  // namespace lsc
