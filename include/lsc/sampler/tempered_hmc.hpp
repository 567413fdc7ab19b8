#pragma once
// Hamiltonian Monte Carlo on the tempered posterior γ_β(u) ∝ p(u) p(x | s(u))^β, for a tile of
// chains held as the columns of K×M matrices: the transition annealed importance sampling moves
// with (eval/ais.hpp; SVAE §5, Neal 2001). Each chain's random numbers are keyed by
// (Purpose::ais, 16·t + 3·stream + use, chain id), so a chain's draws depend on its id, its
// stream and the transition number t only, never on the tile it shares or the thread.
#include <cstdint>
#include <memory>
#include <vector>

#include "lsc/core/rng.hpp"
#include "lsc/core/types.hpp"
#include "lsc/model/model.hpp"

namespace lsc {

class TemperedHmc {
 public:
  TemperedHmc(const Model& model, const Philox& rng, int leapfrog);  // model and rng must outlive it
  ~TemperedHmc();

  // The data (one column of X per chain), each chain's global id and random stream (0-4).
  void reset(const Matrix& X, std::vector<std::uint64_t> ids, std::vector<std::uint64_t> streams);
  // Initial states: exact prior draws (latents == nullptr), or exact draws of u given the columns
  // of *latents (the BDMC reverse start).
  void initialize(const Matrix* latents);
  // One HMC trajectory per chain at inverse temperature beta and base step size eps(j) (jittered
  // per chain and trajectory), numbered t in the random streams.
  void transition(Real beta, const Vector& eps, std::uint64_t t);

  // ½‖x − A s(u)‖²/σ² of every chain: the log-likelihood is its negative plus a constant.
  const Vector& e_lik() const;
  // min(1, e^{−ΔH}) of every chain's last trajectory.
  const Vector& accept_prob() const;
  // Accepted trajectories of chain j, and trajectories per chain.
  std::uint64_t accepted(Index j) const;
  std::uint64_t proposed() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lsc
