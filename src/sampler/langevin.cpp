#include "lsc/sampler/langevin.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"

namespace lsc {

LangevinSampler::LangevinSampler(std::uint64_t seed, LangevinOptions options)
    : rng_(seed), options_(options) {
  require(std::isfinite(options.eps) && options.eps > 0,
          "the Langevin step size eps = dt/tau_u must be positive; pass a positive --tau-u.");
  require(std::isfinite(options.temperature) && options.temperature >= 0,
          "the temperature T must be zero or positive; pass e.g. --temperature 1.");
}

const Real* LangevinSampler::noise_of(const ChainState& chains, Index j) const {
  // One buffer per thread: no allocation per chain and step, and the draw stays fused with the
  // update that consumes it.
  thread_local std::vector<Real> z;
  const Index K = chains.U.rows();
  z.resize(static_cast<std::size_t>(K));
  rng_.normals(Purpose::langevin_noise, chains.step, chains.chain[static_cast<std::size_t>(j)], z.data(), K);
  return z.data();
}

void LangevinSampler::step(const Model& model, const Matrix& X, ChainState& chains) {
  const Real eps = chains.eps > 0 ? chains.eps : options_.eps;
  evaluate(model, chains.U, X, eval_, options_.metropolis);
  if (options_.dead_zone_jumps && model.prior.kind == PriorKind::l0 && options_.temperature > 0)
    jump_sweep(model, chains);
  if (options_.metropolis)
    metropolis_step(model, X, chains, eps);
  else
    euler_step(model, chains, eps);
  ++chains.step;
  check_finite_chains(model, chains.U, chains.step, eps);
}

void LangevinSampler::euler_step(const Model& model, ChainState& chains, Real eps) {
  const Index K = chains.U.rows();
  const Real noise = std::sqrt(2 * options_.temperature * eps);
  visit_prior(model.prior, [&](const auto& ops) {
    for_each_column(chains.U.cols(), [&](Index j) {
      const Real* z = noise_of(chains, j);
      Real* u = chains.U.col(j).data();
      const Real* g = eval_.G.col(j).data();
      for (Index k = 0; k < K; ++k) {
        const Real dE = ops.ds_du(u[k]) * g[k] + ops.dcost(u[k]);  // eq. 3.9
        u[k] += -eps * dE + noise * z[k];
      }
    });
  });
}

void LangevinSampler::metropolis_step(const Model& model, const Matrix& X, ChainState& chains,
                                      Real eps) {
  const Index K = chains.U.rows(), N = chains.U.cols();
  const Real T = options_.temperature;
  require(T > 0, "MALA needs a positive temperature; use --temperature 1 or Euler-Maruyama.");
  const Real noise = std::sqrt(2 * T * eps);
  gradient_u(model, chains.U, eval_, grad_);
  proposal_.resize(K, N);
  for_each_column(N, [&](Index j) {
    const Real* z = noise_of(chains, j);
    for (Index k = 0; k < K; ++k)
      proposal_(k, j) = chains.U(k, j) - eps * grad_(k, j) + noise * z[k];
  });
  evaluate(model, proposal_, X, proposal_eval_, true);
  gradient_u(model, proposal_, proposal_eval_, proposal_grad_);

  std::vector<unsigned char> accept(static_cast<std::size_t>(N));
  for_each_column(N, [&](Index j) {
    // log q(u | u') − log q(u' | u) for the Gaussian proposal N(u − ε∇E(u), 2Tε I).
    Real back = 0, forth = 0;
    for (Index k = 0; k < K; ++k) {
      const Real d = chains.U(k, j) - proposal_(k, j);
      const Real b = d + eps * proposal_grad_(k, j);
      const Real f = -d + eps * grad_(k, j);
      back += b * b;
      forth += f * f;
    }
    const Real log_alpha = -(proposal_eval_.energy(j) - eval_.energy(j)) / T -
                           (back - forth) / (4 * T * eps);
    const Real u = rng_.uniform(Purpose::metropolis, chains.step, chains.chain[j]);
    accept[static_cast<std::size_t>(j)] = std::log(u) < log_alpha;
    if (accept[static_cast<std::size_t>(j)]) chains.U.col(j) = proposal_.col(j);
  });
  std::uint64_t accepted = 0;
  for (unsigned char a : accept) accepted += a;
  chains.accepted += accepted;
  chains.proposed += static_cast<std::uint64_t>(N);
  last_acceptance_ = static_cast<Real>(accepted) / static_cast<Real>(N);
}

void LangevinSampler::jump_sweep(const Model& model, ChainState& chains) {
  const Index K = chains.U.rows(), N = chains.U.cols();
  const Real u0 = model.prior.u0(), lambda = model.prior.lambda, T = options_.temperature;
  const Real inv_var = 1.0 / (model.sigma * model.sigma);
  gram_.noalias() = model.A.transpose() * model.A;
  const bool with_energy = eval_.energy.size() == N;
  for_each_column(N, [&](Index j) {
    thread_local std::vector<Real> uniforms;
    uniforms.resize(static_cast<std::size_t>(K));
    rng_.uniforms(Purpose::dead_zone_jump, chains.step, chains.chain[static_cast<std::size_t>(j)], uniforms.data(), K);
    Real* u = chains.U.col(j).data();
    Real* s = eval_.S.col(j).data();
    for (Index k = 0; k < K; ++k) {
      const Real a = std::abs(u[k]);
      if (a >= 2 * u0) continue;
      const Real a_new = a < u0 ? a + u0 : a - u0;
      const Real s_new = std::max(a_new - u0, 0.0), ds = s_new - s[k];
      const Real dE = lambda * (a_new - a) + ds * eval_.G(k, j) + 0.5 * ds * ds * gram_(k, k) * inv_var;
      if (!(std::log(uniforms[static_cast<std::size_t>(k)]) < -dE / T)) continue;
      u[k] = std::copysign(a_new, u[k]);
      s[k] = s_new;
      if (ds != 0) {
        eval_.R.col(j).noalias() += ds * model.A.col(k);
        eval_.G.col(j).noalias() += (ds * inv_var) * gram_.col(k);
      }
      if (with_energy) eval_.energy(j) += dE;
    }
  });
}

void check_finite_chains(const Model& model, const Matrix& U, std::uint64_t step, Real eps) {
  if (U.allFinite()) return;
  const Real stiffness = eps * lipschitz_constant(model);
  std::ostringstream msg;
  msg << "the coefficient dynamics diverged at step " << step
      << " (non-finite values): the step size dt/tau_u = " << eps
      << " times the stiffness max eig(A^T A)/sigma^2 is " << stiffness
      << ", which must stay well below 2; increase --tau-u (e.g. to "
      << std::ceil(2 * stiffness / eps) << " or more) or decrease the dictionary's scale.";
  throw Error(msg.str());
}

}  // namespace lsc
