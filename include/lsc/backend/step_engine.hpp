#pragma once
// The one step of the coefficient dynamics, and of the dictionary beside it, on a backend: every
// learner and every sampling front end (lsc train, lsc infer, Python) runs this, in float32 or
// float64, on the CPU or on a CUDA device, each backend on its own copy of the state. One
// interface with the CPU and the GPU behind it (as FAISS's indexes); the elementwise math is
// written once (prior_ops.hpp, noise.hpp, langevin_update.hpp), so the backends differ only in
// where the products run.
//
// One step, with S = s(U) the coefficients at its start:
//   R = A S − X,  G = Aᵀ R                              (two products)
//   [l0, dead_zone_jumps: a Metropolis sweep across the dead zone, R and G kept consistent]
//   euler:         U ← U − ε (ds/du ⊙ G/σ² + C'(U)) + √(2Tε) ξ      (eq. 2.29 / 3.9)
//   mala:          the same as a proposal U', R' = A S' − X, G' = Aᵀ R' (two more products; one
//                  pair only while A and X stay fixed, as in inference), accepted per chain with
//                  min(1, exp(−ΔE/T) q(U|U')/q(U'|U)), energies summed in double
//   gradient_flow: U ← prox_{εC}(U − ε G/σ²)  (SSC's MAP dynamics, Alg. 2; U holds S)
//   A ← A − R Sᵀ / (τ_A N σ²)                            (eq. 2.26 / 3.11, the S of the start)
// ξ is keyed by (seed, step, chain, element) (noise.hpp), the MALA and jump uniforms by
// (seed, step, chain), so the CPU and GPU backends draw the same numbers; results do not depend
// on the thread count.
//
// Ranks (EngineOptions::shard; docs/mpi.md): each rank of an MPI job holds a contiguous run of
// whole chunks of the global batch's chains (dist/batch_shard.hpp) and steps them; the ranks meet
// only in the sums over chains. The statistics are summed per chunk in chunk order; the dictionary
// update is folded over the chunks in chunk order, A ← A − rate R_c S_cᵀ for c = 0, 1, ..., which
// is also how one process computes it: rank r receives the partial A of ranks 0..r−1 group by
// group of columns, folds its own chunks into it and passes it on, and the last rank broadcasts
// the result. Every rank thus ends each step with the same A, bit for bit the one process's.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "lsc/model/model.hpp"
#include "lsc/sampler/chain_state.hpp"
#include "lsc/sampler/step_size_adaptation.hpp"

namespace lsc {

namespace dist {
class BatchShard;
}

enum class Dtype { float32, float64 };
enum class Backend { cpu, cuda };
// euler, mala and gradient_flow run in the fused engines; hmc, ghmc and baoab are the kinetic
// (underdamped) Langevin samplers of backend/cpu/kinetic_engine.cpp, CPU only.
enum class SamplerKind { euler, mala, gradient_flow, hmc, ghmc, baoab };
bool is_kinetic(SamplerKind sampler);

Dtype dtype_from_name(const std::string& name);  // "float32" | "float64"
std::string name_of(Dtype dtype);
Backend backend_from_name(const std::string& name);  // "cpu" | "cuda"
std::string name_of(Backend backend);
SamplerKind sampler_from_name(const std::string& name);  // "euler" | "mala" | "gradient_flow"
std::string name_of(SamplerKind sampler);

struct EngineOptions {
  Backend backend = Backend::cpu;
  Dtype dtype = Dtype::float32;
  SamplerKind sampler = SamplerKind::euler;
  bool dead_zone_jumps = false;  // l0 only; ignored for the other priors and at T = 0
  std::uint64_t seed = 0;
  Real eps = 0.05;         // ε = Δt/τ_u (the start of the adaptation, when there is one)
  Real temperature = 1.0;  // T of eq. 2.27
  Real tau_A = 0;          // dictionary time constant on batch means; 0 keeps A fixed (sampling)
  // MALA, HMC, GHMC: Robbins-Monro on log ε in the steps run with StepMode::adapt (never while
  // learning).
  std::optional<StepSizeAdaptation> adaptation;
  // The kinetic samplers (hmc, ghmc, baoab) move u with a momentum p and a leapfrog step of size
  // h = √(2ε), so that one step with a full momentum refresh is MALA's step ε (kinetic_update.hpp).
  bool precondition = true;  // mass diag(AᵀA)/σ² + the prior's precision instead of I (kinetic_mass)
  Real friction = 0.5;       // γ: ghmc and baoab keep e^{−γh} of the momentum per step
  int leapfrog = 32;         // hmc: leapfrog steps per trajectory
  int threads = 0;         // CPU: OpenMP threads (0: lsc::threads())
  // CUDA float32: let cuBLAS use TF32 tensor cores for the products (10-bit mantissas).
  bool tf32 = false;
  // This rank's share of the batch (CPU only); null: the engine holds the whole batch.
  std::shared_ptr<const dist::BatchShard> shard;
  // With several ranks: the dictionary update folded across the ranks in chunk order (true;
  // the same bits for any number of ranks) or each rank's partial sum added by MPI_Allreduce.
  bool ordered_reduction = true;
};

// What a call of run() does besides stepping the chains.
struct StepMode {
  bool learn_dictionary = true;  // false: A stays fixed (the hold burn-in, inference)
  bool adapt = false;            // MALA: adapt ε after each step (EngineOptions::adaptation)
  bool accumulate = false;       // add s and 1[s ≠ 0] after each step to the running sums
};

// Of the last step, for the state at its start (after the dead-zone sweep): metrics, and the
// batch sums that learning π, σ and λ reads (learn/parameter_learning.hpp).
struct EngineStats {
  Real reconstruction_error = 0;  // ‖A s − x‖² / D, mean over the batch
  Real active_fraction = 0;       // fraction of s ≠ 0
  Real acceptance = 1;            // fraction of chains whose MALA proposal was accepted
  double residual_sq = 0;         // Σ ‖A s − x‖²
  double drive_u0 = 0;            // Σ (Aᵀ(A s − x))_k / σ² over s_k > 0 (eq. 3.13)
  double slab_cost = 0;           // Σ λ C(s) over s > 0 for l0, over every s otherwise (eq. 2.10)
  double slab_count = 0;          // how many terms slab_cost has
  std::uint64_t chains = 0;       // N
  Index coefficients = 0;         // K
};

class StepEngine {
 public:
  virtual ~StepEngine() = default;
  // Copies the model (A, σ, prior) and the chains (U, ids, step, ε, MALA counts) into the engine.
  // chains.eps = 0 takes EngineOptions::eps.
  virtual void load(const Model& model, const ChainState& chains) = 0;
  // The batch the chains are tied to, D×N (one column per chain).
  virtual void set_batch(const Matrix& X) = 0;
  // σ and the prior after π, σ or λ learned (A and the chains stay).
  virtual void set_parameters(Real sigma, const Prior& prior) = 0;
  // A after the learner changed it (unit-norm columns of SSC).
  virtual void set_dictionary(const Matrix& A) = 0;
  virtual void run(std::uint64_t steps, StepMode mode = {}) = 0;
  // For benchmarks: `steps` repetitions of the step's three products alone, on the same library
  // and the same buffers (the roofline of the fused step); leaves the state undefined.
  virtual void run_products_only(std::uint64_t steps) = 0;
  // Copies A into model.A and U, the step count, ε and the MALA counts into chains.
  virtual void read(Model& model, ChainState& chains) const = 0;
  // Copies A alone (the learners read it after every step; the chains only at checkpoints).
  virtual void read_dictionary(Matrix& A) const = 0;
  // s(U) of the current state, K×N.
  virtual void read_coefficients(Matrix& S) const = 0;
  // s(U) of chains first, ..., first + count − 1 alone, K×count: the learner tracks a few chains
  // at every step, where reading all N would cost as much as the step. This default reads all N.
  virtual void read_coefficient_columns(Matrix& S, Index first, Index count) const;
  // The sums of s and of 1[s ≠ 0] over the steps run with StepMode::accumulate, K×N each, and
  // how many steps that was; reset_sums() starts them again.
  virtual void read_sums(Matrix& sum_s, Matrix& sum_active, std::uint64_t& count) const = 0;
  virtual void reset_sums() = 0;
  virtual EngineStats stats() const = 0;
  virtual Real eps() const = 0;  // ε in use (adapted for MALA)
  // Seconds spent exchanging sums with the other ranks, waiting included (0 alone).
  virtual double communication_seconds() const { return 0; }
  virtual std::string name() const = 0;  // e.g. "cpu float32 (2 threads)"

 protected:
  // read_coefficient_columns' check that chains first .. first + count − 1 are among the N held.
  static void require_held_columns(Index first, Index count, Index N);
};

// The kinetic samplers' masses m_k (kinetic_update.hpp): with precondition the curvature of the
// energy along each active coefficient, ‖A_k‖²/σ² plus the prior's precision (λ² for the
// Laplace-like priors, λ for the Gaussian, 2λ for the Cauchy); ones otherwise.
Vector kinetic_mass(const Model& model, bool precondition);

// Throws Error with one sentence if the backend is not built, has no device, or lacks a feature.
std::unique_ptr<StepEngine> make_step_engine(const EngineOptions& options);

// Whether make_step_engine can give this backend here; if not, `why` says why in one sentence.
bool backend_available(Backend backend, std::string* why = nullptr);

}  // namespace lsc
