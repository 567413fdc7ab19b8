#pragma once
// Summaries of plain samples that several parts of lsc report.
#include <vector>

#include "lsc/core/types.hpp"

namespace lsc {

// The median (the mean of the two middle values for an even count); NaN for no values.
Real median(std::vector<Real> values);

}  // namespace lsc
