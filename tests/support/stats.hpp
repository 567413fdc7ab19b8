#pragma once
// Monte Carlo helpers shared by the statistical tests: per-chain averages of many independent
// chains (the columns of one ChainState), their standard errors, and the Kolmogorov-Smirnov test.
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "lsc/core/parallel.hpp"
#include "lsc/model/model.hpp"
#include "lsc/sampler/chain_state.hpp"
#include "sampler.hpp"

namespace lsc::test {

// Runs a scope on n threads and restores the previous count. The statistical tests run many
// small steps, where OpenMP barriers on a shared 2-core machine cost more than the work; their
// results do not depend on the thread count (checked in test_langevin_exact, Reproducibility).
class ScopedThreads {
 public:
  explicit ScopedThreads(int n) : before_(threads()) { set_threads(n); }
  ~ScopedThreads() { set_threads(before_); }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int before_;
};

// Mean of independent values and its standard error sd/√n.
struct Estimate {
  Real mean = 0;
  Real se = 0;
  // |mean − exact| in units of the standard error.
  Real z(Real exact) const { return std::abs(mean - exact) / se; }
};
Estimate mean_se(const RowVector& values);

// s = transform(u) of the prior, elementwise.
Matrix coefficients(const Prior& prior, const Matrix& U);

// Adds one M-vector of statistics per chain, computed from the chains' coefficients S (K×N),
// to acc (M×N).
using ChainStatistic = std::function<void(const Matrix& S, Matrix& acc)>;

// Advances `chains` burn_in steps, then `steps` more, and returns the per-chain time averages
// (M×N) of `stat` over the states after each of those steps. The chains are independent, so
// each column is an independent estimate and the spread across columns gives the standard error
// whatever the autocorrelation within a chain.
Matrix chain_averages(Sampler& sampler, const Model& model, const Matrix& X,
                      ChainState& chains, int burn_in, int steps, Index M,
                      const ChainStatistic& stat);

// One-sample Kolmogorov-Smirnov statistic sup_s |F_n(s) − F(s)|.
Real ks_statistic(std::vector<Real> samples, const std::function<Real(Real)>& cdf);
// Critical value of that statistic at level alpha for n iid samples: the Kolmogorov
// distribution's quantile with Stephens' finite-n correction, √n + 0.12 + 0.11/√n.
Real ks_critical(std::size_t n, Real alpha);

// A rows×cols matrix of standard normals from Philox: the same on every platform, unlike the
// <random> distributions.
Matrix random_normal(Index rows, Index cols, std::uint64_t seed);

}  // namespace lsc::test
