#include "lsc/eval/kl_prior.hpp"

#include <algorithm>
#include <cmath>

#include "lsc/core/error.hpp"

namespace lsc {

PriorHistogram prior_histogram(const Prior& prior, const Matrix& S, int bins) {
  require(prior.nonnegative(), "the KL to the prior is defined here for the l0 and l1 priors; use --prior l0.");
  require(S.size() > 0 && bins > 0, "no coefficients to compare with the prior.");
  PriorHistogram h;
  h.upper = 6.0 / prior.lambda;
  const Real width = (h.upper - h.zero_threshold) / bins;
  for (int b = 0; b <= bins; ++b) h.edges.push_back(h.zero_threshold + b * width);
  const std::size_t cells = static_cast<std::size_t>(bins) + 2;  // zero, bins, tail
  std::vector<Real> count(cells, 0.0);
  for (Index i = 0; i < S.size(); ++i) {
    const Real s = std::abs(S.data()[i]);
    std::size_t cell;
    if (s < h.zero_threshold)
      cell = 0;
    else if (s >= h.upper)
      cell = cells - 1;
    else
      cell = 1 + std::min<std::size_t>(static_cast<std::size_t>((s - h.zero_threshold) / width), bins - 1);
    count[cell] += 1;
  }
  h.counts = count;
  const Real n = Real(S.size());
  h.zero_fraction = count[0] / n;
  // Prior masses: the spike plus the slab's mass below the threshold in the zero bin.
  h.prior.resize(cells);
  h.prior[0] = prior.cdf(h.zero_threshold);
  for (int b = 0; b < bins; ++b) h.prior[b + 1] = prior.cdf(h.edges[b + 1]) - prior.cdf(h.edges[b]);
  h.prior[cells - 1] = 1 - prior.cdf(h.upper);
  h.empirical.resize(cells);
  const Real floor_total = n + 0.5 * Real(std::count(count.begin(), count.end(), 0.0));
  for (std::size_t c = 0; c < cells; ++c) h.empirical[c] = (count[c] > 0 ? count[c] : 0.5) / floor_total;
  for (std::size_t c = 0; c < cells; ++c)
    if (h.prior[c] > 0) h.kl += h.prior[c] * std::log(h.prior[c] / h.empirical[c]);
  return h;
}

}  // namespace lsc
