#pragma once
// How well a set of coefficients matches the spike-and-slab prior (app. B, Fig. 5 and 10): the
// binned KL(prior ‖ empirical), eq. 50-52, with the zero bin holding the spike mass 1 − π.
#include <vector>

#include "lsc/core/types.hpp"
#include "lsc/prior/prior.hpp"

namespace lsc {

struct PriorHistogram {
  Real zero_threshold = 1e-5;       // |s| below this counts as zero (MAP outputs thresholded)
  Real upper = 0;                   // last edge, 6/λ (the authors' range)
  std::vector<Real> edges;          // bins bins+1 edges on [zero_threshold, upper]
  std::vector<Real> counts;         // coefficients per bin: [0] zero bin, then bins, then the tail > upper
  std::vector<Real> empirical;      // the same as probabilities, with the floor below
  std::vector<Real> prior;          // the same masses under the prior
  Real zero_fraction = 0;
  Real kl = 0;                      // Σ p log(p/q) over all bins, in nats
};

// Histogram of the coefficients S (any shape; values taken as s ≥ 0) against a nonnegative prior
// (l0 or l1). Empty bins get half a count (a Jeffreys floor), so the KL stays finite and an
// empty bin still costs log(p/q) for its prior mass.
PriorHistogram prior_histogram(const Prior& prior, const Matrix& S, int bins = 25);

}  // namespace lsc
