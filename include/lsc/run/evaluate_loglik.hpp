#pragma once
// The test log-likelihood service (`lsc eval loglik`, lsc.evaluate_loglik, the estimators'
// score): log p(x) of every data point by annealed importance sampling (eval/ais.hpp), by
// bidirectional Monte Carlo when the latents the data were simulated from are given, and the
// closed form beside it for the Gaussian prior (SVAE §5), the check AIS must pass.
#include <cstdint>
#include <string>

#include "lsc/eval/ais.hpp"
#include "lsc/model/model.hpp"

namespace lsc::run {

struct LoglikConfig {
  Index chains = AisOptions{}.chains;              // AIS runs per data point
  std::uint64_t steps = AisOptions{}.steps;        // intermediate distributions
  int leapfrog = AisOptions{}.leapfrog;            // leapfrog steps per HMC move
  Real target_accept = AisOptions{}.target_accept;  // HMC acceptance the step size adapts toward
  std::string schedule = "linear";                 // linear | sigmoid (ais_schedule_names())
  Index tune_chains = AisOptions{}.tune_chains;    // extra chains that adapt the step size
  std::uint64_t seed = 0;
  int threads = 0;                                 // 0: all cores
};

struct LoglikResult {
  AisResult ais;  // forward (and, with latents, reverse) estimates per data point
  Vector exact;   // Gaussian prior: the exact log p(x_n); empty for the other priors
};

// Throws Error with one sentence for a bad option, mismatched shapes or non-finite data.
// latents (K×N, may be null): the coefficients each column of X was drawn from (BDMC).
LoglikResult evaluate_loglik(const Model& model, const Matrix& X, const LoglikConfig& config,
                             const Matrix* latents = nullptr, const AisCallbacks& callbacks = {});

}  // namespace lsc::run
