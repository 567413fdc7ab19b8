#pragma once
// Annealed importance sampling (AIS; Neal 2001) of the marginal likelihood
//   p(x) = ∫ N(x; A s(u), σ² I) p(u) du
// of the linear model (eq. 2.1) under any prior, the evaluation of SVAE §5 / app. 8.1, and its
// bidirectional check (BDMC; Grosse, Ghahramani & Adams 2015).
//
// The chains live in the u parameterization of eq. 3.2-3.5: for smooth priors u = s; for the
// nonnegative priors (l1, l0) s = max(|u| − u0, 0) with the continuous density p(u) =
// (λ/2) e^{−λ|u|} (|u| ~ Exp(λ), either sign). The spike of eq. 3.1 is then the interval
// |u| ≤ u0, which has mass 1 − e^{−λu0} = 1 − π, so p(x) above is exactly the likelihood of the
// spike-and-slab model and every annealed target p(u) p(x | s(u))^β is a density without a point
// mass: HMC needs no special moves. The energy is continuous but its gradient jumps at u = 0 and
// at |u| = u0; leapfrog stays volume-preserving and reversible there, so the Metropolis test
// keeps each transition exact and only the acceptance rate suffers.
//
// Targets γ_t(u) = p(u) p(x | u)^{β_t}, 0 = β_0 < … < β_T = 1; p(u) is normalized and sampled
// exactly, so a chain's weight w = Π_t p(x | u_{t−1})^{β_t − β_{t−1}} has E[w] = p(x), and
// log of the mean of w over chains is a stochastic lower bound on log p(x) (Jensen).
// Each transition is one HMC trajectory (identity mass, `leapfrog` steps) leaving γ_t invariant.
//
// Step size: ε_t = m_t / √(c + β_t L) per data point, with c the prior's curvature (scale) and
// L = max eig(AᵀA)/σ², the multiplier m_t adapted toward `target_accept` by
// log m ← log m + η (mean acceptance probability − target) after every transition. The
// acceptances that drive m are those of `tune_chains` extra chains per data point, whose weights
// are discarded: the evaluation chains' step sizes then depend on random numbers independent of
// their own states, so each evaluation transition is an exact γ_t-invariant kernel and
// E[w] = p(x) holds exactly. (Adapting on the evaluation chains' own acceptances would make ε
// depend on each chain's own past, which breaks invariance by a small, unquantified amount.)
//
// Randomness: Philox keyed by (seed, Purpose::ais, 16·t + stream, chain id, element), chain id
// n·chains + c, so results are bit-identical for any thread count.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lsc/core/types.hpp"
#include "lsc/model/model.hpp"
#include "lsc/model/simulate.hpp"  // simulate_data: the joint draws BDMC needs
#include "lsc/prior/prior_sampling.hpp"  // log_prior_u: the density AIS starts from

namespace lsc {

enum class AisSchedule {
  linear,   // β_t = t/T (SVAE app. 8.1)
  sigmoid,  // β_t ∝ sigmoid(4 (2t/T − 1)), rescaled to [0, 1]: denser at both ends (Grosse et al. 2015)
};
std::vector<std::string> ais_schedule_names();  // linear, sigmoid
AisSchedule ais_schedule_from_name(const std::string& name);

struct AisOptions {
  Index chains = 16;            // independent AIS runs per data point (SVAE: 16)
  std::uint64_t steps = 200;    // T: intermediate distributions β_1 … β_T = 1 (SVAE: 200)
  int leapfrog = 10;            // leapfrog steps per HMC trajectory (SVAE: 10)
  Real target_accept = 0.65;    // acceptance rate the step size is adapted toward (SVAE: 0.65)
  AisSchedule schedule = AisSchedule::linear;
  Index tune_chains = 4;        // extra chains per data point that adapt the step size
  std::uint64_t seed = 0;
  int threads = 0;              // 0: all cores
};

// One direction of AIS over N data points.
struct AisEstimate {
  Matrix log_weights;    // chains×N: log w of every evaluation chain
  Vector log_px;         // N: the estimate of log p(x_n) in nats
  // N: its standard error by the delta method, sd(w) / (√chains · mean(w)) with the sample sd:
  // first order in the weights' spread, and too small when a few chains dominate (see ess). It
  // never includes the estimate's downward bias when the annealing is too short (BDMC shows it).
  Vector se;
  Vector ess;            // N: effective number of chains (Σ w)² / Σ w²
  Real mean = 0;         // mean of log_px over the data points, nats per data point
  Real se_points = 0;    // standard error of `mean` from the spread across data points
  Real se_mc = 0;        // the Monte Carlo part of it alone, √(Σ se²) / N
  Real acceptance = 0;   // HMC acceptance rate of the evaluation chains
};

struct AisResult {
  AisEstimate forward;   // from the prior: E[log_px] ≤ log p(x)
  AisEstimate reverse;   // BDMC only, from exact posterior samples: E[log_px] ≥ log p(x)
  Vector beta;           // β_0 … β_T
  Vector step_size;      // mean step size over data points at transitions 1 … T−1
  double elapsed_s = 0;
};

struct AisCallbacks {
  // Annealing steps done of the total, summed over data points (and directions for BDMC); called
  // from the calling thread only.
  std::function<void(std::uint64_t done, std::uint64_t total)> on_progress;
};

// log p(x_n) for every column of X (D×N). Throws Error for a bad option, mismatched shapes or
// non-finite data.
AisResult ais_log_likelihood(const Model& model, const Matrix& X, const AisOptions& options,
                             const AisCallbacks& callbacks = {});

// Bidirectional Monte Carlo on data simulated from the model: S (K×N) holds the coefficients
// each column of X was generated from, so (s_n, x_n) is a joint draw and s_n an exact posterior
// sample given x_n. The reverse chains start from u drawn exactly given s_n and anneal β from 1
// to 0, estimating 1/p(x); the forward and reverse estimates bracket log p(x) in expectation and
// their gap bounds the error of either (Grosse et al. 2015). The reverse chains of a data point
// share its one latent sample, so their error bars understate the spread of the reverse estimate.
AisResult bdmc_log_likelihood(const Model& model, const Matrix& X, const Matrix& S,
                              const AisOptions& options, const AisCallbacks& callbacks = {});

// β_0 = 0 … β_T = 1 of a schedule.
Vector ais_schedule(AisSchedule schedule, std::uint64_t steps);

}  // namespace lsc
