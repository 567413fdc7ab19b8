#pragma once
// MCMC convergence diagnostics of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021),
// "Rank-normalization, folding, and localization: an improved R̂ for assessing convergence of
// MCMC", Bayesian Analysis 16(2): rank-normalized split-R̂, bulk- and tail-ESS, and the Monte
// Carlo standard error of the mean, with the definitions of ArviZ (arviz.rhat, arviz.ess,
// arviz.mcse) so that lsc's numbers agree with what users of Stan and ArviZ know. Where ArviZ
// leaves a case undefined, lsc's choice is stated below (Diagnostics).
//
// Draws of one scalar quantity are a T×M matrix: column m holds chain m's T draws in order. The
// MCSE of P(s ≠ 0) is the mcse_mean of the 0/1 indicator draws of s ≠ 0.
#include <functional>
#include <string>
#include <vector>

#include "lsc/core/types.hpp"

namespace lsc {

// Diagnostics of one scalar quantity. Every chain is split into its first and second half (the
// middle draw dropped when T is odd), giving 2M split chains of n = ⌊T/2⌋ draws, S = 2Mn in all.
//
//  mean, sd   over all T·M draws (sd with divisor T·M − 1), as arviz.summary.
//  rhat       max(rhat_bulk, rhat_folded) (Vehtari et al. 2021, §4). R̂ < 1.01 is good.
//  rhat_bulk  R̂ of the rank-normalized split chains (§4): catches chains at different places.
//  rhat_folded  R̂ of the rank-normalized folded split chains |x − median| (§4): catches
//             chains with different spreads. Either is NaN where its transformed draws are all
//             equal (undefined); rhat never is.
//  ess_bulk   ESS of the rank-normalized split chains (§4).
//  ess_tail   min(ESS of I(x ≤ q05), ESS of I(x ≤ q95)) on the split chains, q the quantiles of
//             all T·M draws (§4).
//  ess_mean   ESS of the raw split chains: the ESS of the posterior mean.
//  mcse_mean  sd / √ess_mean.
// An ESS is the Geyer initial-monotone-sequence estimate over the multi-chain autocorrelation
// (§3.2, Stan's combination of chains), at most S·log10(S).
//
// Cases ArviZ leaves undefined (an lsc choice, tested in tests/eval/test_diagnostics.cpp):
//  - All draws equal (a coefficient that never activates, its indicator always 0): rhat = 1,
//    every ESS = S and mcse_mean = 0. ArviZ gives ESS = S too, but R̂ = NaN (0/0); here the
//    chains agree exactly, which is what R̂ asks, and a NaN would hide the real problems among
//    thousands of coefficients. (The R package posterior returns NA as soon as any one chain is
//    constant, unable to tell a quantity constant by design from a stuck chain; lsc tells them
//    apart: a stuck chain beside moving ones gives a large R̂.)
//  - One of the two R̂ terms undefined because its transformed draws are all equal (e.g. 0/1
//    draws with exactly half ones: folded they are constant): rhat is the other term, as
//    ArviZ's max(bulk, nan) returns.
//  - One chain (M = 1): R̂ compares its two halves (Stan and the R package posterior do;
//    ArviZ returns NaN below two chains).
//  - Each chain constant but chains differing: rhat = +∞ (no within-chain variance at all).
struct Diagnostics {
  Real mean = 0, sd = 0;
  Real rhat = 1, rhat_bulk = 1, rhat_folded = 1;
  Real ess_bulk = 0, ess_tail = 0, ess_mean = 0;
  Real mcse_mean = 0;
};

// draws is T×M with T ≥ 4 draws per chain, M ≥ 1 chains, all finite (lsc::Error otherwise).
Diagnostics diagnose(const Eigen::Ref<const Matrix>& draws);

// Q quantities at once, e.g. the K coefficients of s and their K indicators. draws holds
// M·T·Q values in C order (M, T, Q), the layout of an ArviZ / NumPy array (chain, draw, *shape)
// flattened over shape: draw t of chain m of quantity q is draws[(m·T + t)·Q + q]. Entry q of
// the result equals diagnose() of that quantity's T×M matrix. Parallel over quantities
// (OpenMP); each quantity's arithmetic is independent of the others, so results are identical
// for any thread count.
std::vector<Diagnostics> diagnose_all(const Real* draws, Index T, Index M, Index Q);

// The ess_bulk of diagnose_all alone, at less than half its cost: for watching the chains
// while they run (the ESS columns of metrics.csv, learn/learner.hpp).
std::vector<Real> ess_bulk_all(const Real* draws, Index T, Index M, Index Q);

// The standard normal quantile Φ⁻¹(p), 0 < p < 1, to a few ulp: the rank-normalization's
// z = Φ⁻¹((r − 3/8)/(S + 1/4)), r the average rank among all S draws (Vehtari et al. 2021,
// §4, with Blom's offsets as ArviZ and posterior use).
Real normal_quantile(Real p);

// When to warn: R̂ above max_rhat, or a bulk- or tail-ESS below min_ess_per_chain × M
// (Vehtari et al. 2021, §4 and Stan's documentation: R̂ < 1.01, and bulk- and tail-ESS of at
// least about 100 per chain).
struct ConvergenceThresholds {
  Real max_rhat = 1.01;
  Real min_ess_per_chain = 100;
};

// Over a set of quantities: the extreme values and the quantities past the thresholds, each
// list sorted worst first (ties by index). NaN entries (which diagnose never produces for
// finite draws) count as failing and as the worst.
struct ConvergenceSummary {
  struct Flagged {
    Index at;    // which quantity
    Real value;  // its R̂ or ESS
  };
  Index quantities = 0, chains = 0;
  ConvergenceThresholds thresholds;
  Real worst_rhat = 1, min_ess_bulk = 0, min_ess_tail = 0;
  Index worst_rhat_at = -1, min_ess_bulk_at = -1, min_ess_tail_at = -1;  // -1: no quantities
  std::vector<Flagged> rhat_high, ess_bulk_low, ess_tail_low;
  bool converged() const { return rhat_high.empty() && ess_bulk_low.empty() && ess_tail_low.empty(); }
};

ConvergenceSummary summarize(const std::vector<Diagnostics>& diagnostics, Index chains,
                             const ConvergenceThresholds& thresholds = {});

// One line naming how many quantities fail and the worst three of each failure, e.g. "R-hat
// above 1.01 for 12 of 256 coefficients (worst 1.080 at k = 17, 1.050 at k = 3, 1.020 at k = 90,
// ...) and bulk-ESS below 400 (100 per chain) for 3 of 256 coefficients (smallest 52 at k = 3,
// 80 at k = 5, 97 at k = 6); run more --samples or a longer --burn-in."; empty when the summary
// has converged. noun names the quantities (plural), name(q) one of them (default "k = q"),
// remedy says what the user should change.
std::string convergence_warning(const ConvergenceSummary& summary, const std::string& noun = "coefficients",
                                const std::function<std::string(Index)>& name = {},
                                const std::string& remedy = "run more --samples or a longer --burn-in");

}  // namespace lsc
