#include "lsc/eval/diagnostics.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <limits>
#include <memory>
#include <numbers>
#include <string>
#include <utility>

#include "lsc/core/error.hpp"

namespace lsc {
namespace {

using Complex = std::complex<Real>;

// Biased autocovariances γ_t = (1/n) Σ_{i<n−t} (x_i − x̄)(x_{i+t} − x̄), the estimator of Geyer
// (1992) that Vehtari et al. (2021, §3.2) and ArviZ use, for all lags t < n at once: the chain is
// zero-padded to a power of two ≥ 2n, so that the circular correlation computed by FFT equals
// the linear one, in O(n log n). A radix-2 transform of our own rather than FFTW: FFTW's planner
// is not thread-safe, and the quantities run in parallel.
class Autocovariance {
 public:
  explicit Autocovariance(Index n) : n_(n) {
    while (size_ < 2 * n) size_ *= 2;
    twiddle_.resize(size_ / 2);
    for (Index k = 0; k < size_ / 2; ++k)  // each from its own angle: no error builds up
      twiddle_[k] = std::polar(1.0, -2 * std::numbers::pi * Real(k) / Real(size_));
    reverse_.resize(size_);
    for (Index i = 0, j = 0; i < size_; ++i) {
      reverse_[i] = j;
      Index bit = size_ / 2;
      for (; j & bit; bit /= 2) j ^= bit;
      j |= bit;
    }
  }

  // For the m columns of x (n×m, column-major): their means into means[0..m) and the sum of
  // their autocovariances into sum[0..n). Two real chains share one complex transform, as the
  // real and imaginary parts, and are separated by conjugate symmetry.
  void sum_over_chains(const Real* x, Index m, Real* sum, Real* means, std::vector<Complex>& work) const {
    for (Index c = 0; c < m; ++c) {
      Real s = 0;
      for (Index i = 0; i < n_; ++i) s += x[c * n_ + i];
      means[c] = s / Real(n_);
    }
    std::fill(sum, sum + n_, 0.0);
    work.resize(size_);
    for (Index c = 0; c < m; c += 2) {
      const bool two = c + 1 < m;
      for (Index i = 0; i < n_; ++i)
        work[i] = Complex(x[c * n_ + i] - means[c], two ? x[(c + 1) * n_ + i] - means[c + 1] : 0.0);
      std::fill(work.begin() + n_, work.end(), Complex(0, 0));
      transform(work.data(), false);
      for (Index k = 0; k <= size_ / 2; ++k) {
        const Index r = (size_ - k) & (size_ - 1);
        const Complex a = work[k], b = std::conj(work[r]);
        // a = X_k + iY_k and b = X_k − iY_k for the spectra X, Y of the two real chains.
        const Complex power(std::norm(0.5 * (a + b)), std::norm(0.5 * (a - b)));
        work[k] = power;
        work[r] = power;
      }
      transform(work.data(), true);
      const Real scale = 1.0 / (Real(size_) * Real(n_));
      for (Index t = 0; t < n_; ++t) sum[t] += (work[t].real() + (two ? work[t].imag() : 0.0)) * scale;
    }
  }

 private:
  // In-place radix-2 decimation in time; the inverse is unnormalized.
  void transform(Complex* a, bool inverse) const {
    for (Index i = 0; i < size_; ++i)
      if (i < reverse_[i]) std::swap(a[i], a[reverse_[i]]);
    for (Index len = 2; len <= size_; len *= 2) {
      const Index half = len / 2, step = size_ / len;
      for (Index start = 0; start < size_; start += len)
        for (Index j = 0; j < half; ++j) {
          const Complex w = inverse ? std::conj(twiddle_[j * step]) : twiddle_[j * step];
          // Written out: std::complex's operator* checks for NaN and infinity through a library
          // call (C99 Annex G), which made the transform several times slower.
          const Complex x = a[start + j + half];
          const Complex u = a[start + j], v(x.real() * w.real() - x.imag() * w.imag(),
                                            x.real() * w.imag() + x.imag() * w.real());
          a[start + j] = u + v;
          a[start + j + half] = u - v;
        }
    }
  }

  Index n_, size_ = 1;
  std::vector<Complex> twiddle_;
  std::vector<Index> reverse_;
};

// What every quantity of one shape (T, M) shares, read-only across threads.
struct Plan {
  Index T, M, n, S;  // draws per chain, chains, draws per split chain, split draws in all
  Autocovariance acov;
  // z of the rank-normalization for every average rank r ∈ {1, 1.5, 2, …, S}, at index 2r − 2:
  // average ranks of ties are always half-integers.
  std::vector<Real> z;

  Plan(Index T_, Index M_) : T(T_), M(M_), n(T_ / 2), S(2 * M_ * (T_ / 2)), acov(T_ / 2) {
    z.resize(2 * S - 1);
    for (Index i = 0; i < 2 * S - 1; ++i)
      z[i] = normal_quantile((Real(i + 2) / 2 - 0.375) / (Real(S) + 0.25));
  }
};

struct Workspace {
  std::vector<Real> split, transformed, acov, means, sorted;
  std::vector<std::pair<Real, Index>> order, folded;
  std::vector<Complex> fft;
};

bool all_equal(const Real* x, Index size) {
  return std::all_of(x, x + size, [&](Real v) { return v == x[0]; });
}

// Rank-normalization (Vehtari et al. 2021, §4) of draws given as (value, position) sorted by
// value: ties get their average rank r, and z = Φ⁻¹((r − 3/8)/(S + 1/4)) goes to z[position].
void rank_normalize(const Plan& plan, const std::vector<std::pair<Real, Index>>& sorted, Real* z) {
  for (Index first = 0; first < plan.S;) {
    Index last = first;
    while (last + 1 < plan.S && sorted[last + 1].first == sorted[first].first) ++last;
    const Real value = plan.z[first + last];  // the average rank is (first + last)/2 + 1
    for (Index i = first; i <= last; ++i) z[sorted[i].second] = value;
    first = last + 1;
  }
}

// R̂ of m chains of n draws (Vehtari et al. 2021, §3): √(var⁺/W) with
// var⁺ = (n − 1)/n · W + B/n. Returns NaN when all draws are equal (no information; see the
// header), +∞ when every chain is constant but the chains differ.
Real rhat_of(const Real* x, Index n, Index m, Workspace& w) {
  if (all_equal(x, n * m)) return std::numeric_limits<Real>::quiet_NaN();
  w.means.resize(m);
  Real within = 0;
  for (Index c = 0; c < m; ++c) {
    const Real* chain = x + c * n;
    Real s = 0;
    for (Index i = 0; i < n; ++i) s += chain[i];
    w.means[c] = s / Real(n);
    // A constant chain's mean can miss its value by an ulp; its variance is exactly 0.
    if (all_equal(chain, n)) continue;
    Real ss = 0;
    for (Index i = 0; i < n; ++i) ss += (chain[i] - w.means[c]) * (chain[i] - w.means[c]);
    within += ss / Real(n - 1);
  }
  within /= Real(m);
  Real grand = 0;
  for (Index c = 0; c < m; ++c) grand += w.means[c];
  grand /= Real(m);
  Real between = 0;  // B/n: the variance of the chain means
  for (Index c = 0; c < m; ++c) between += (w.means[c] - grand) * (w.means[c] - grand);
  between /= Real(m - 1);
  if (within == 0) return std::numeric_limits<Real>::infinity();
  return std::sqrt((Real(n) * between / within + Real(n) - 1) / Real(n));
}

// ESS of m chains of n draws (Vehtari et al. 2021, §3.2, and Geyer 1992), as ArviZ.
Real ess_of(const Plan& plan, const Real* x, Index n, Index m, Workspace& w) {
  const Real S = Real(n * m);
  if (all_equal(x, n * m)) return S;  // ArviZ's value: every draw counts; the MCSE is then 0
  w.acov.resize(n);
  w.means.resize(m);
  plan.acov.sum_over_chains(x, m, w.acov.data(), w.means.data(), w.fft);
  const Real W = w.acov[0] / Real(m) * Real(n) / Real(n - 1);  // mean within-chain variance
  Real grand = 0;
  for (Index c = 0; c < m; ++c) grand += w.means[c];
  grand /= Real(m);
  Real between = 0;
  for (Index c = 0; c < m; ++c) between += (w.means[c] - grand) * (w.means[c] - grand);
  between /= Real(m - 1);
  const Real var_plus = W * Real(n - 1) / Real(n) + between;
  // Stan's multi-chain autocorrelation: ρ̂_t = 1 − (W − mean_m γ_{t,m}) / var⁺, with
  // ρ̂_0 = 1 by definition.
  const auto rho = [&](Index t) { return 1 - (W - w.acov[t] / Real(m)) / var_plus; };
  // Geyer's initial monotone sequence on the pair sums P_k = ρ̂_2k + ρ̂_2k+1: the pairs are
  // taken while positive, each lowered to the smallest before it. The limit on k and the last
  // even term follow ArviZ, so that the numbers agree: a pair is taken only while 2k + 4 < n,
  // and the first pair not taken contributes its ρ̂_2k once when ρ̂_2k > 0 or P_k ≥ 0.
  Real even = 1, odd = rho(1), taken = 0, smallest = std::numeric_limits<Real>::infinity();
  for (Index k = 0; 2 * k + 4 < n && even + odd > 0;) {
    smallest = std::min(smallest, even + odd);
    taken += smallest;
    ++k;
    even = rho(2 * k);
    odd = rho(2 * k + 1);
  }
  const Real last = (even > 0 || even + odd >= 0) ? even : 0;
  // τ̂ = −1 + 2 Σ_{t ≤ 2k−1} ρ̂_t + ρ̂_2k, bounded below so that ESS ≤ S·log10(S), the
  // bound of ArviZ and posterior for antithetic chains.
  const Real tau = std::max(-1 + 2 * taken + last, 1 / std::log10(S));
  return S / tau;
}

// Type-7 quantile (linear between order statistics) of sorted values, in the arithmetic of
// scipy's mquantiles(alphap=1, betap=1), which ArviZ's tail-ESS uses.
Real quantile_of_sorted(const std::vector<Real>& v, Real p) {
  const Index N = Index(v.size());
  const Real aleph = Real(N) * p + (1 - p);
  const Index k = Index(std::floor(std::clamp(aleph, 1.0, Real(N - 1))));
  const Real g = std::clamp(aleph - Real(k), 0.0, 1.0);
  return (1 - g) * v[k - 1] + g * v[k];
}

// Split chains (Vehtari et al. 2021, §3) of raw, the T×M draws of one quantity (column-major,
// contiguous), into w.split: chain m's first n draws are split chain 2m, its last n split chain
// 2m + 1; for odd T the middle draw belongs to neither.
void split_chains(const Plan& plan, const Real* raw, Workspace& w) {
  const Index T = plan.T, n = plan.n;
  w.split.resize(plan.S);
  for (Index m = 0; m < plan.M; ++m)
    for (Index i = 0; i < n; ++i) {
      w.split[(2 * m) * n + i] = raw[m * T + i];
      w.split[(2 * m + 1) * n + i] = raw[m * T + (T - n) + i];
    }
}

// The split chains sorted into w.order and rank-normalized into w.transformed.
void rank_normalize_split(const Plan& plan, Workspace& w) {
  w.order.resize(plan.S);
  for (Index i = 0; i < plan.S; ++i) w.order[i] = {w.split[i], i};
  std::sort(w.order.begin(), w.order.end());
  w.transformed.resize(plan.S);
  rank_normalize(plan, w.order, w.transformed.data());
}

// The diagnostics of raw, the T×M draws of one quantity (column-major, contiguous).
Diagnostics diagnose_columns(const Plan& plan, const Real* raw, Workspace& w) {
  const Index T = plan.T, M = plan.M, n = plan.n, S = plan.S, total = T * M;
  Diagnostics d;
  Real sum = 0;
  for (Index i = 0; i < total; ++i) sum += raw[i];
  d.mean = sum / Real(total);
  Real ss = 0;
  for (Index i = 0; i < total; ++i) ss += (raw[i] - d.mean) * (raw[i] - d.mean);
  d.sd = std::sqrt(ss / Real(total - 1));

  split_chains(plan, raw, w);
  const Index chains = 2 * M;
  d.ess_mean = ess_of(plan, w.split.data(), n, chains, w);
  d.mcse_mean = d.sd / std::sqrt(d.ess_mean);

  rank_normalize_split(plan, w);
  d.rhat_bulk = rhat_of(w.transformed.data(), n, chains, w);
  d.ess_bulk = ess_of(plan, w.transformed.data(), n, chains, w);

  // Folding (§4) around the median of the split draws catches chains that differ in scale.
  // |x − median| falls from the middle of the sorted draws towards both ends, so its order is a
  // merge of the lower half read downwards with the upper half, not a second sort.
  const Real median = (w.order[S / 2 - 1].first + w.order[S / 2].first) / 2;  // S = 2Mn is even
  w.folded.resize(S);
  for (Index k = 0, lo = S / 2 - 1, hi = S / 2; k < S; ++k) {
    const bool lower = hi == S || (lo >= 0 && median - w.order[lo].first <= w.order[hi].first - median);
    const std::pair<Real, Index>& from = w.order[lower ? lo-- : hi++];
    w.folded[k] = {std::abs(from.first - median), from.second};
  }
  rank_normalize(plan, w.folded, w.transformed.data());
  d.rhat_folded = rhat_of(w.transformed.data(), n, chains, w);
  if (std::isnan(d.rhat_bulk) || std::isnan(d.rhat_folded))
    d.rhat = std::isnan(d.rhat_bulk) ? (std::isnan(d.rhat_folded) ? 1 : d.rhat_folded) : d.rhat_bulk;
  else
    d.rhat = std::max(d.rhat_bulk, d.rhat_folded);

  // Tail-ESS (§4): the quantiles of all T·M draws, the indicators on the split chains.
  if (T % 2 == 0) {  // the split chains hold every draw: they are sorted already
    w.sorted.resize(S);
    for (Index i = 0; i < S; ++i) w.sorted[i] = w.order[i].first;
  } else {
    w.sorted.assign(raw, raw + total);
    std::sort(w.sorted.begin(), w.sorted.end());
  }
  d.ess_tail = std::numeric_limits<Real>::infinity();
  for (const Real p : {0.05, 0.95}) {
    const Real q = quantile_of_sorted(w.sorted, p);
    for (Index i = 0; i < S; ++i) w.transformed[i] = w.split[i] <= q ? 1.0 : 0.0;
    d.ess_tail = std::min(d.ess_tail, ess_of(plan, w.transformed.data(), n, chains, w));
  }
  return d;
}

void check_shape(Index T, Index M, Index Q) {
  require(T >= 4, "diagnostics need at least 4 draws per chain (got " + std::to_string(T) +
                      "); record more samples.");
  require(M >= 1, "diagnostics need at least one chain; pass draws with a chain axis of length 1 or more.");
  require(Q >= 1, "diagnostics need at least one quantity; pass draws of at least one quantity.");
}

std::string fixed(Real v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string shortest(Real v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Real normal_quantile(Real p) {
  require(p > 0 && p < 1, "normal_quantile needs 0 < p < 1; got " + std::to_string(p) + ".");
  // Φ⁻¹(p) = −Φ⁻¹(1 − p), and 1 − p is exact for p ≥ ½; the lower tail keeps erfc accurate.
  if (p > 0.5) return -normal_quantile(1 - p);
  if (p == 0.5) return 0;
  // Start: Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4); then Halley's iteration on
  // Φ(x) − p, cubically convergent, to full precision in at most three steps.
  const Real t = std::sqrt(-2 * std::log(p));
  Real x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  for (int i = 0; i < 4; ++i) {
    const Real e = 0.5 * std::erfc(-x / std::numbers::sqrt2) - p;
    const Real u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
    const Real step = u / (1 + x * u / 2);
    x -= step;
    if (std::abs(step) <= 1e-16 * std::abs(x)) break;
  }
  return x;
}

Diagnostics diagnose(const Eigen::Ref<const Matrix>& draws) {
  const Index T = draws.rows(), M = draws.cols();
  check_shape(T, M, 1);
  require(draws.allFinite(), "the draws contain NaN or infinite values; diagnose finite draws only.");
  const Matrix raw = draws;  // contiguous whatever the stride of the view
  const Plan plan(T, M);
  Workspace w;
  return diagnose_columns(plan, raw.data(), w);
}

namespace {

// f(plan, raw, w) of every quantity of the (M, T, Q) draws, in parallel.
template <class Result, class F>
std::vector<Result> per_quantity(const Real* draws, Index T, Index M, Index Q, const char* caller, F f) {
  check_shape(T, M, Q);
  require(draws != nullptr, std::string(caller) + " needs the draws; pass a pointer to M·T·Q values.");
  for (Index i = 0; i < M * T * Q; ++i)
    if (!std::isfinite(draws[i]))
      throw Error("the draws contain NaN or infinity (chain " + std::to_string(i / (T * Q)) + ", draw " +
                  std::to_string(i / Q % T) + ", quantity " + std::to_string(i % Q) + "); diagnose finite draws only.");
  // The tables of the last shape, kept: a learner diagnoses draws of one shape at every metrics
  // row, and building them cost as much as diagnosing 10 quantities of 400 draws.
  thread_local std::unique_ptr<const Plan> last;
  if (!last || last->T != T || last->M != M) last = std::make_unique<const Plan>(T, M);
  const Plan& plan = *last;
  std::vector<Result> out(static_cast<std::size_t>(Q));
  // Each thread keeps its buffers across its quantities; each quantity's result depends on its
  // draws alone, so neither the schedule nor the thread count changes it.
#pragma omp parallel
  {
    Workspace w;
    std::vector<Real> raw(static_cast<std::size_t>(T * M));
#pragma omp for schedule(dynamic, 4)
    for (Index q = 0; q < Q; ++q) {
      for (Index m = 0; m < M; ++m)
        for (Index t = 0; t < T; ++t) raw[m * T + t] = draws[(m * T + t) * Q + q];
      out[q] = f(plan, raw.data(), w);
    }
  }
  return out;
}

}  // namespace

std::vector<Diagnostics> diagnose_all(const Real* draws, Index T, Index M, Index Q) {
  return per_quantity<Diagnostics>(draws, T, M, Q, "diagnose_all", diagnose_columns);
}

std::vector<Real> ess_bulk_all(const Real* draws, Index T, Index M, Index Q) {
  return per_quantity<Real>(draws, T, M, Q, "ess_bulk_all", [](const Plan& plan, const Real* raw, Workspace& w) {
    split_chains(plan, raw, w);
    rank_normalize_split(plan, w);
    return ess_of(plan, w.transformed.data(), plan.n, 2 * plan.M, w);
  });
}

ConvergenceSummary summarize(const std::vector<Diagnostics>& diagnostics, Index chains,
                             const ConvergenceThresholds& thresholds) {
  require(chains >= 1, "summarize needs the number of chains (1 or more) the draws came from.");
  ConvergenceSummary s;
  s.quantities = Index(diagnostics.size());
  s.chains = chains;
  s.thresholds = thresholds;
  const Real min_ess = thresholds.min_ess_per_chain * Real(chains);
  const auto worse_rhat = [](Real a, Real b) { return std::isnan(a) ? !std::isnan(b) : a > b; };
  const auto worse_ess = [](Real a, Real b) { return std::isnan(a) ? !std::isnan(b) : a < b; };
  for (Index q = 0; q < s.quantities; ++q) {
    const Diagnostics& d = diagnostics[q];
    if (q == 0 || worse_rhat(d.rhat, s.worst_rhat)) s.worst_rhat = d.rhat, s.worst_rhat_at = q;
    if (q == 0 || worse_ess(d.ess_bulk, s.min_ess_bulk)) s.min_ess_bulk = d.ess_bulk, s.min_ess_bulk_at = q;
    if (q == 0 || worse_ess(d.ess_tail, s.min_ess_tail)) s.min_ess_tail = d.ess_tail, s.min_ess_tail_at = q;
    // Written as "not good" so that NaN fails.
    if (!(d.rhat <= thresholds.max_rhat)) s.rhat_high.push_back({q, d.rhat});
    if (!(d.ess_bulk >= min_ess)) s.ess_bulk_low.push_back({q, d.ess_bulk});
    if (!(d.ess_tail >= min_ess)) s.ess_tail_low.push_back({q, d.ess_tail});
  }
  using Flagged = ConvergenceSummary::Flagged;
  const auto worst_first = [](auto worse) {
    return [worse](const Flagged& a, const Flagged& b) {
      return worse(a.value, b.value) || (!worse(b.value, a.value) && a.at < b.at);
    };
  };
  std::sort(s.rhat_high.begin(), s.rhat_high.end(), worst_first(worse_rhat));
  std::sort(s.ess_bulk_low.begin(), s.ess_bulk_low.end(), worst_first(worse_ess));
  std::sort(s.ess_tail_low.begin(), s.ess_tail_low.end(), worst_first(worse_ess));
  return s;
}

std::string convergence_warning(const ConvergenceSummary& summary, const std::string& noun,
                                const std::function<std::string(Index)>& name, const std::string& remedy) {
  if (summary.converged()) return "";
  // At most three named per part, so that the warning stays one line for any number of
  // quantities.
  constexpr std::size_t kNamed = 3;
  // Three decimals: a flagged R̂ of 1.012 must not print as the threshold 1.01.
  const auto rhat_text = [](Real v) {
    return std::isnan(v) ? std::string("nan") : std::isinf(v) ? std::string("inf") : fixed(v, 3);
  };
  const auto ess_text = [](Real v) { return std::isnan(v) ? std::string("nan") : fixed(v, 0); };
  const auto part = [&](const std::string& what, const std::vector<ConvergenceSummary::Flagged>& flagged,
                        const std::string& extreme, auto text) {
    std::string p = what + " for " + std::to_string(flagged.size()) + " of " + std::to_string(summary.quantities) +
                    " " + noun + " (" + extreme + " ";
    for (std::size_t i = 0; i < std::min(flagged.size(), kNamed); ++i) {
      const Index at = flagged[i].at;
      p += (i ? ", " : "") + text(flagged[i].value) + " at " + (name ? name(at) : "k = " + std::to_string(at));
    }
    return p + (flagged.size() > kNamed ? ", ...)" : ")");
  };
  const ConvergenceThresholds& th = summary.thresholds;
  const std::string ess_limit =
      " below " + shortest(th.min_ess_per_chain * Real(summary.chains)) + " (" + shortest(th.min_ess_per_chain) +
      " per chain)";
  std::vector<std::string> parts;
  if (!summary.rhat_high.empty())
    parts.push_back(part("R-hat above " + shortest(th.max_rhat), summary.rhat_high, "worst", rhat_text));
  if (!summary.ess_bulk_low.empty())
    parts.push_back(part("bulk-ESS" + ess_limit, summary.ess_bulk_low, "smallest", ess_text));
  if (!summary.ess_tail_low.empty())
    parts.push_back(part("tail-ESS" + ess_limit, summary.ess_tail_low, "smallest", ess_text));
  std::string line;
  for (std::size_t i = 0; i < parts.size(); ++i)
    line += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  return line + "; " + remedy + ".";
}

}  // namespace lsc
