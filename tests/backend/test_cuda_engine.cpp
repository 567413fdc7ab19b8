// The CUDA backend of the fused step against the CPU backend (step_engine.hpp):
//  (a) the device draws the same normals as the host (noise.hpp on both);
//  (b) a short learning run from the same state gives the same dictionary and chains up to
//      rounding, in float32 and float64, and the CUDA engine's graphs, device step counter and
//      reload give bit-identical steps however the run is cut;
//  (c) TF32 products run and stay finite; divergence and misuse raise one-sentence errors.
// Every test skips where no CUDA device is visible, or in builds without CUDA, so the suite
// passes on machines without a GPU. The exact-posterior tests of every backend are in
// test_step_engine.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "lsc/backend/step_engine.hpp"
#include "lsc/core/error.hpp"
#include "lsc/core/noise.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/model/model.hpp"
#include "lsc/sampler/chain_state.hpp"
#if defined(LSC_HAVE_CUDA)
#include "../../src/backend/cuda/step_engine.hpp"
#endif

namespace lsc {
namespace {

// ---------------------------------------------------------------------------------------------
// (a) The noise.

#if defined(LSC_HAVE_CUDA)
// Largest |z_gpu − z_cpu| / max(|z_cpu|, 1) over 1024 normals of each of a few chains and steps,
// including chain ids and steps beyond 2^32 (the high words mixed into the counter).
template <class T>
double worst_noise_difference() {
  const std::uint64_t seed = 0x243F6A8885A308D3ull;
  const auto purpose = static_cast<std::uint32_t>(Purpose::langevin_noise);
  const std::vector<std::uint64_t> chains = {0, 1, 2, 3, 1000, 123456789, (std::uint64_t{1} << 32) + 5,
                                             ~std::uint64_t{0}};
  const std::uint32_t blocks = 256;
  double worst = 0;
  for (const std::uint64_t step : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{99991},
                                   (std::uint64_t{1} << 33) + 7}) {
    std::vector<T> gpu;
    detail::cuda_normals(seed, purpose, step, chains, blocks, gpu);
    EXPECT_EQ(gpu.size(), chains.size() * blocks * 4);
    if (gpu.size() != chains.size() * blocks * 4) return INFINITY;
    for (std::size_t c = 0; c < chains.size(); ++c)
      for (std::uint32_t b = 0; b < blocks; ++b) {
        T z[4];
        noise::normals4<T>(noise::key_of(seed), purpose, step, chains[c], b, z);
        for (int i = 0; i < 4; ++i) {
          const double g = gpu[(c * blocks + b) * 4 + static_cast<std::size_t>(i)];
          worst = std::max(worst, std::abs(g - double(z[i])) / std::max(std::abs(double(z[i])), 1.0));
        }
      }
  }
  return worst;
}
#endif

// Both sides evaluate the same Philox words (integer arithmetic, exact) and the same Box-Muller
// polynomials in T; they differ only where the compilers contract a·b + c into an FMA, a few
// ulp of T (6e-8 float, 1.1e-16 double) in the radius and the angle's cosine and sine. The
// bounds are ~16 ulp (float) and ~900 ulp (double, whose series are longer), relative to
// max(|z|, 1): a step adds √(2Tε)·z to u of order one, so errors matter on that scale.
TEST(CudaEngine, DeviceNoiseEqualsHostNoise) {
  std::string why;
  if (!backend_available(Backend::cuda, &why)) GTEST_SKIP() << why;
#if defined(LSC_HAVE_CUDA)
  EXPECT_LE(worst_noise_difference<float>(), 1e-6);
  EXPECT_LE(worst_noise_difference<double>(), 1e-13);
#endif
}

// ---------------------------------------------------------------------------------------------
// (b) Learning runs on both backends.

struct Problem {
  Model model;
  ChainState chains;
  Matrix X;
};

// D = 16, K = 8, N = 256 chains from a random state at step 5 (so the device step counter
// starts where the chains are), ids from 1000.
Problem learning_problem(PriorKind kind) {
  constexpr Index D = 16, K = 8, N = 256;
  Problem p;
  p.model.A = random_dictionary(D, K, 11);
  p.model.sigma = 0.5;
  p.model.prior = Prior::make(kind, 1.0, 0.3);
  p.chains = ChainState::zeros(K, N, 1000);
  p.chains.U = random_dictionary(K, N, 12);  // entries N(0, 1/K)
  p.chains.step = 5;
  p.X = 0.5 * std::sqrt(Real(D)) * random_dictionary(D, N, 13);  // entries N(0, 1/4)
  return p;
}

EngineOptions options(Backend backend, Dtype dtype, bool tf32 = false) {
  EngineOptions o;
  o.backend = backend;
  o.dtype = dtype;
  o.seed = 2024;
  o.eps = 0.02;
  o.tau_A = 100;
  o.tf32 = tf32;
  return o;
}

struct Result {
  Model model;
  ChainState chains;
  EngineStats stats;
  std::string name;
};

Result read_back(const StepEngine& engine, const Problem& p) {
  Result r{p.model, p.chains, engine.stats(), engine.name()};
  engine.read(r.model, r.chains);
  return r;
}

Result learn(const EngineOptions& o, const Problem& p, std::uint64_t steps) {
  const auto engine = make_step_engine(o);
  engine->load(p.model, p.chains);
  engine->set_batch(p.X);
  engine->run(steps);
  return read_back(*engine, p);
}

Real max_abs(const Matrix& m) { return m.cwiseAbs().maxCoeff(); }
Real max_diff(const Matrix& a, const Matrix& b) { return (a - b).cwiseAbs().maxCoeff(); }

// The backends compute every number by the same formulas in T; only the products' summation
// order and FMA contractions differ, so each step adds rounding differences of a few ulp of T
// (u = 6e-8 float32, 1.1e-16 float64) relative to the values. The coefficient dynamics contract
// them (εL ≤ 0.14 here, so they are forgotten within tens of steps) and the dictionary, which
// moves by rate·R Sᵀ per step, sums them over the run. Measured on the CPU for this problem,
// float32 against float64 after 200 steps (a float32 trajectory against the exact one, of which
// two float32 trajectories differ by at most twice): max |ΔA| / max |A| ≤ 1.4e-6 and
// max |ΔU| / max |U| ≤ 3.2e-5 for all four priors, and a 1e-14 perturbation of U in float64 grows
// to at most 3e-14, with no gate or sign flips. The float32 bound 1e-3 thus leaves a margin of
// 15 on U and 300 on A; the float64 bound 1e-9 one of 10^4, and both still catch any error in the
// math, which shows at order 1e-2 or more. float32 uses the Gaussian prior all the same: its
// dynamics are smooth, while under L0 or Laplace a u within float32 rounding of the threshold or
// of 0 could flip the gate ds/du or the sign of C'(u) on one backend only, a legitimate jump of
// ε·g/σ² that no rounding tolerance covers.
void expect_backends_agree(Dtype dtype, PriorKind kind, double tolerance) {
  const Problem p = learning_problem(kind);
  const Result cpu = learn(options(Backend::cpu, dtype), p, 200);
  const Result gpu = learn(options(Backend::cuda, dtype), p, 200);
  EXPECT_EQ(gpu.chains.step, 205u);
  EXPECT_EQ(gpu.chains.chain, p.chains.chain);
  ASSERT_TRUE(gpu.model.A.allFinite() && gpu.chains.U.allFinite());
  // The dictionary learned: the comparison is of a moving trajectory, not of a fixed point.
  EXPECT_GT(max_diff(cpu.model.A, p.model.A), 0.05 * max_abs(p.model.A));
  EXPECT_LE(max_diff(gpu.model.A, cpu.model.A), tolerance * max_abs(cpu.model.A));
  EXPECT_LE(max_diff(gpu.chains.U, cpu.chains.U), tolerance * max_abs(cpu.chains.U));
  EXPECT_NEAR(gpu.stats.reconstruction_error, cpu.stats.reconstruction_error,
              tolerance * cpu.stats.reconstruction_error);
  EXPECT_NEAR(gpu.stats.active_fraction, cpu.stats.active_fraction, 0.5 / double(p.chains.U.size()));
}

TEST(CudaEngine, Float32LearningMatchesCpu) {
  std::string why;
  if (!backend_available(Backend::cuda, &why)) GTEST_SKIP() << why;
  expect_backends_agree(Dtype::float32, PriorKind::gaussian, 1e-3);
}

TEST(CudaEngine, Float64LearningMatchesCpu) {
  std::string why;
  if (!backend_available(Backend::cuda, &why)) GTEST_SKIP() << why;
  expect_backends_agree(Dtype::float64, PriorKind::l0, 1e-9);
  expect_backends_agree(Dtype::float64, PriorKind::laplace, 1e-9);
  expect_backends_agree(Dtype::float64, PriorKind::cauchy, 1e-9);
}

// The engine alternates two graphs (one per S buffer) and keys the noise by a counter in device
// memory: 1 + 2 + 0 steps, a read, a reload into a new engine and 47 more steps must be the very
// same 50 steps as one run, bit for bit (cuBLAS is deterministic on one stream and one GPU).
TEST(CudaEngine, RunsCutAnywhereGiveTheSameSteps) {
  std::string why;
  if (!backend_available(Backend::cuda, &why)) GTEST_SKIP() << why;
  for (const Dtype dtype : {Dtype::float32, Dtype::float64}) {
    const Problem p = learning_problem(PriorKind::l0);
    const Result whole = learn(options(Backend::cuda, dtype), p, 50);

    const auto first = make_step_engine(options(Backend::cuda, dtype));
    first->load(p.model, p.chains);
    first->set_batch(p.X);
    first->run(1);
    first->run(2);
    first->run(0);
    const Result mid = read_back(*first, p);
    EXPECT_EQ(mid.chains.step, 8u);
    const auto second = make_step_engine(options(Backend::cuda, dtype));
    second->load(mid.model, mid.chains);
    second->set_batch(p.X);
    second->run(47);
    const Result cut = read_back(*second, p);

    EXPECT_EQ(cut.chains.step, whole.chains.step);
    EXPECT_EQ(max_diff(cut.model.A, whole.model.A), 0.0) << name_of(dtype);
    EXPECT_EQ(max_diff(cut.chains.U, whole.chains.U), 0.0) << name_of(dtype);
    EXPECT_EQ(cut.stats.reconstruction_error, whole.stats.reconstruction_error) << name_of(dtype);
    EXPECT_EQ(cut.stats.active_fraction, whole.stats.active_fraction) << name_of(dtype);
  }
}

// ---------------------------------------------------------------------------------------------
// (c) TF32, divergence, misuse.

// TF32 rounds the products' inputs to 10-bit mantissas (relative 5e-4), so only sanity is
// checked against the float32 run: the mean reconstruction error over 4096 residuals moves by
// about that relative amount, far inside 10 %.
TEST(CudaEngine, Tf32ProductsRunAndStayFinite) {
  std::string why;
  if (!backend_available(Backend::cuda, &why)) GTEST_SKIP() << why;
  const Problem p = learning_problem(PriorKind::gaussian);
  const Result tf32 = learn(options(Backend::cuda, Dtype::float32, true), p, 200);
  const Result exact = learn(options(Backend::cuda, Dtype::float32), p, 200);
  EXPECT_NE(tf32.name.find("TF32"), std::string::npos) << tf32.name;
  EXPECT_EQ(exact.name.find("TF32"), std::string::npos) << exact.name;
  EXPECT_TRUE(tf32.model.A.allFinite());
  EXPECT_TRUE(tf32.chains.U.allFinite());
  EXPECT_TRUE(std::isfinite(tf32.stats.reconstruction_error));
  EXPECT_NEAR(tf32.stats.reconstruction_error, exact.stats.reconstruction_error,
              0.1 * exact.stats.reconstruction_error);
  // float64 has no TF32: the option leaves it alone.
  const auto f64 = make_step_engine(options(Backend::cuda, Dtype::float64, true));
  EXPECT_EQ(f64->name().find("TF32"), std::string::npos) << f64->name();
}

TEST(CudaEngine, DivergenceIsAnErrorThatSaysWhatToChange) {
  std::string why;
  if (!backend_available(Backend::cuda, &why)) GTEST_SKIP() << why;
  const Problem p = learning_problem(PriorKind::gaussian);
  EngineOptions o = options(Backend::cuda, Dtype::float32);
  o.eps = 50;  // ε·L ≈ 50·12, far beyond the stable 2
  o.tau_A = 0;
  const auto engine = make_step_engine(o);
  engine->load(p.model, p.chains);
  engine->set_batch(p.X);
  try {
    engine->run(200);
    FAIL() << "an unstable step size ran without an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("diverged"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--tau-u"), std::string::npos) << e.what();
  }
}

TEST(CudaEngine, MisuseIsAnError) {
  std::string why;
  if (!backend_available(Backend::cuda, &why)) GTEST_SKIP() << why;
  const Problem p = learning_problem(PriorKind::gaussian);
  const auto engine = make_step_engine(options(Backend::cuda, Dtype::float32));
  engine->load(p.model, p.chains);
  EXPECT_THROW(engine->run(1), Error);                        // no batch yet
  EXPECT_THROW(engine->set_batch(Matrix::Zero(3, 3)), Error);  // wrong shape
  ChainState short_ids = p.chains;
  short_ids.chain.pop_back();
  EXPECT_THROW(engine->load(p.model, short_ids), Error);
}

}  // namespace
}  // namespace lsc
