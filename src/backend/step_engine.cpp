#include "lsc/backend/step_engine.hpp"

#include "cpu/kinetic_engine.hpp"
#include "cpu/step_engine.hpp"
#include "lsc/core/error.hpp"
#include "lsc/dist/batch_shard.hpp"
#include "lsc/sampler/samplers.hpp"
#if defined(LSC_HAVE_CUDA)
#include "cuda/step_engine.hpp"
#endif

namespace lsc {

Dtype dtype_from_name(const std::string& name) {
  if (name == "float32") return Dtype::float32;
  if (name == "float64") return Dtype::float64;
  throw Error("unknown dtype '" + name + "'; choose float32 or float64.");
}

std::string name_of(Dtype dtype) { return dtype == Dtype::float32 ? "float32" : "float64"; }

Backend backend_from_name(const std::string& name) {
  if (name == "cpu") return Backend::cpu;
  if (name == "cuda") return Backend::cuda;
  throw Error("unknown backend '" + name + "'; choose cpu or cuda.");
}

std::string name_of(Backend backend) { return backend == Backend::cpu ? "cpu" : "cuda"; }

SamplerKind sampler_from_name(const std::string& name) { return sampler_info(name, true).kind; }

bool is_kinetic(SamplerKind sampler) {
  return sampler == SamplerKind::hmc || sampler == SamplerKind::ghmc || sampler == SamplerKind::baoab;
}

std::string name_of(SamplerKind sampler) {
  for (const SamplerInfo& s : sampler_table())
    if (s.kind == sampler) return s.name;
  return "euler";  // unreachable: every kind has a row
}

void StepEngine::read_coefficient_columns(Matrix& S, Index first, Index count) const {
  Matrix all;
  read_coefficients(all);
  require_held_columns(first, count, all.cols());
  S = all.middleCols(first, count);
}

void StepEngine::require_held_columns(Index first, Index count, Index N) {
  require(first >= 0 && count >= 0 && first + count <= N,
          "chains " + std::to_string(first) + " to " + std::to_string(first + count) + " lie outside the engine's " +
              std::to_string(N) + " chains; read chains the engine holds.");
}

bool backend_available(Backend backend, std::string* why) {
  if (backend == Backend::cpu) return true;
#if defined(LSC_HAVE_CUDA)
  return detail::cuda_device_available(why);
#else
  if (why) *why = "this lsc was built without CUDA; rebuild with cmake -DLSC_CUDA=ON where nvcc is installed, or use --backend cpu.";
  return false;
#endif
}

std::unique_ptr<StepEngine> make_step_engine(const EngineOptions& options) {
  require(options.eps > 0 && std::isfinite(options.eps),
          "the Langevin step size eps = dt/tau_u must be positive; pass a positive --tau-u.");
  require(options.temperature >= 0 && std::isfinite(options.temperature),
          "the temperature T must be zero or positive; pass e.g. --temperature 1.");
  require(options.sampler != SamplerKind::mala || options.temperature > 0,
          "MALA needs a positive temperature; use --temperature 1 or --sampler euler.");
  require(!options.adaptation || options.adaptation->eps_max > 0,
          "the step-size adaptation needs its ceiling 1/tau_u; pass a positive --tau-u.");
  require(options.tau_A >= 0, "tau_A must be positive (or 0 to keep the dictionary fixed); pass e.g. --tau-A 1000.");
  require(options.backend == Backend::cpu || !options.shard || options.shard->size() == 1,
          "data-parallel learning over several ranks runs on --backend cpu so far; drop --backend cuda or start one rank.");
  require(!is_kinetic(options.sampler) || options.backend == Backend::cpu,
          "the " + name_of(options.sampler) + " sampler runs on --backend cpu so far; drop --backend cuda, or sample "
          "with --method langevin, the one the cuda backend runs.");
  std::string why;
  require(backend_available(options.backend, &why), why);
  if (is_kinetic(options.sampler)) return detail::make_cpu_kinetic_engine(options);
  if (options.backend == Backend::cpu) return detail::make_cpu_step_engine(options);
#if defined(LSC_HAVE_CUDA)
  return detail::make_cuda_step_engine(options);
#else
  return nullptr;  // unreachable: backend_available said no
#endif
}

}  // namespace lsc
