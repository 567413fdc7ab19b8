#pragma once
// The fused learning step on a backend: coefficients by Euler-Maruyama (eq. 2.29 / 3.9) and the
// dictionary (eq. 2.26 / 3.11) advance together, in float32 or float64, on the CPU or on a CUDA
// device, each backend on its own copy of the state. One interface with the CPU and the GPU
// behind it (as FAISS's indexes); the elementwise math both run is written once (prior_ops.hpp,
// noise.hpp, langevin_update.hpp), so the backends differ only in where the products run.
//
// One step, with S = s(U) the coefficients at its start:
//   R = A S − X,  G = Aᵀ R                         (two products)
//   U ← U − ε (ds/du ⊙ G/σ² + C'(U)) + √(2Tε) ξ    (fused with the noise, then S ← s(U))
//   A ← A − R Sᵀ / (τ_A N σ²)                       (the third product, old S)
// ξ is keyed by (seed, step, chain, element) exactly as in LangevinSampler's counter layout, so
// the CPU and GPU backends draw the same numbers. Results do not depend on the thread count.
#include <cstdint>
#include <memory>
#include <string>

#include "lsc/model/model.hpp"
#include "lsc/sampler/chain_state.hpp"

namespace lsc {

enum class Dtype { float32, float64 };
enum class Backend { cpu, cuda };

Dtype dtype_from_name(const std::string& name);  // "float32" | "float64"
std::string name_of(Dtype dtype);
Backend backend_from_name(const std::string& name);  // "cpu" | "cuda"
std::string name_of(Backend backend);

struct EngineOptions {
  Backend backend = Backend::cpu;
  Dtype dtype = Dtype::float32;
  std::uint64_t seed = 0;
  Real eps = 0.05;         // ε = Δt/τ_u
  Real temperature = 1.0;  // T of eq. 2.27
  Real tau_A = 0;          // dictionary time constant on batch means; 0 keeps A fixed (sampling)
  int threads = 0;         // CPU: OpenMP threads (0: lsc::threads())
  // CUDA float32: let cuBLAS use TF32 tensor cores for the products (10-bit mantissas).
  bool tf32 = false;
};

// Of the state at the start of the last step, as the learners' StepStats.
struct EngineStats {
  Real reconstruction_error = 0;  // ‖A s − x‖² / D, mean over the batch
  Real active_fraction = 0;       // fraction of s ≠ 0
};

class StepEngine {
 public:
  virtual ~StepEngine() = default;
  // Copies the model (A, σ, prior) and the chains (U, ids, step) into the engine.
  virtual void load(const Model& model, const ChainState& chains) = 0;
  // The batch the chains are tied to, D×N (one column per chain).
  virtual void set_batch(const Matrix& X) = 0;
  // `steps` steps; with learn_dictionary false A stays fixed (the learners' hold burn-in).
  virtual void run(std::uint64_t steps, bool learn_dictionary = true) = 0;
  // For benchmarks: `steps` repetitions of the step's three products alone, on the same library
  // and the same buffers (the roofline of the fused step); leaves the state undefined.
  virtual void run_products_only(std::uint64_t steps) = 0;
  // Copies A into model.A and U and the step count into chains (σ and the prior do not change).
  virtual void read(Model& model, ChainState& chains) const = 0;
  // Copies A alone (the learners read it after every step; the chains only at checkpoints).
  virtual void read_dictionary(Matrix& A) const = 0;
  virtual EngineStats stats() const = 0;
  virtual std::string name() const = 0;  // e.g. "cpu float32 (2 threads)"
};

// Throws Error with one sentence if the backend is not built or has no device.
std::unique_ptr<StepEngine> make_step_engine(const EngineOptions& options);

// Whether make_step_engine can give this backend here; if not, `why` says why in one sentence.
bool backend_available(Backend backend, std::string* why = nullptr);

}  // namespace lsc
