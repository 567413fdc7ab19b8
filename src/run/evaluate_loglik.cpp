#include "lsc/run/evaluate_loglik.hpp"

#include "lsc/core/error.hpp"
#include "lsc/eval/gaussian_loglik.hpp"

namespace lsc::run {

LoglikResult evaluate_loglik(const Model& model, const Matrix& X, const LoglikConfig& c, const Matrix* latents,
                             const AisCallbacks& callbacks) {
  AisOptions o;
  o.chains = c.chains;
  o.steps = c.steps;
  o.leapfrog = c.leapfrog;
  o.target_accept = c.target_accept;
  o.schedule = ais_schedule_from_name(c.schedule);
  o.tune_chains = c.tune_chains;
  o.seed = c.seed;
  o.threads = c.threads;
  if (latents) {
    require(latents->rows() == model.K(), "the latents (--latents) have " + std::to_string(latents->rows()) +
                                              " coefficients per point but the model has K = " +
                                              std::to_string(model.K()) +
                                              "; pass the (N, K) coefficients the data were simulated from.");
    require(latents->cols() == X.cols(), "the latents (--latents) have " + std::to_string(latents->cols()) +
                                             " points but the data have " + std::to_string(X.cols()) +
                                             "; pass the coefficients of exactly these data.");
  }
  LoglikResult r;
  r.ais = latents ? bdmc_log_likelihood(model, X, *latents, o, callbacks) : ais_log_likelihood(model, X, o, callbacks);
  if (model.prior.kind == PriorKind::gaussian) r.exact = gaussian_log_likelihood(model, X);
  return r;
}

}  // namespace lsc::run
