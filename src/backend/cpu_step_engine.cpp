// The CPU backend of the fused step (step_engine.hpp).
//
// The batch is cut into chunks of kChunk columns, a fixed width whatever the thread count. Each
// chunk's two products go to single-threaded BLAS calls inside one OpenMP loop, and the chunk's
// elementwise work (noise, eq. 3.9, s(u), the statistics) runs right after them while G and R
// are still in cache; G never exists for the whole batch. The dictionary product R Sᵀ is then
// split by fixed groups of dictionary columns. Every number is thus computed by the same calls
// in the same order for any thread count (bit-identical results), and the BLAS threads never
// compete with the OpenMP threads (OpenBLAS runs single-threaded; see core/parallel.cpp).
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu_step_engine.hpp"
#include "lsc/backend/langevin_update.hpp"
#include "lsc/core/error.hpp"
#include "lsc/core/noise.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/sampler/langevin.hpp"

namespace lsc::detail {
namespace {

constexpr Index kChunk = 128;       // columns per chunk of the coefficient phase
constexpr Index kDictChunk = 32;    // dictionary columns per call of the dictionary phase
constexpr int kBlocks = 16;         // Philox blocks (4 normals each) drawn per inner batch

// C = alpha op(A) op(B) + beta C, column-major, in float or double.
void gemm(bool ta, bool tb, Index m, Index n, Index k, float alpha, const float* a, Index lda,
          const float* b, Index ldb, float beta, float* c, Index ldc) {
  cblas_sgemm(CblasColMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}
void gemm(bool ta, bool tb, Index m, Index n, Index k, double alpha, const double* a, Index lda,
          const double* b, Index ldb, double beta, double* c, Index ldc) {
  cblas_dgemm(CblasColMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}

template <class T>
class CpuStepEngine final : public StepEngine {
 public:
  explicit CpuStepEngine(const EngineOptions& o)
      : options_(o), key_(noise::key_of(o.seed)), threads_(o.threads > 0 ? o.threads : threads()) {}

  void load(const Model& model, const ChainState& chains) override {
    model.validate();
    require(chains.U.rows() == model.K(),
            "the chains have " + std::to_string(chains.U.rows()) + " coefficients but the dictionary has K = " +
                std::to_string(model.K()) + " elements; start the chains from the same model.");
    D_ = model.D();
    K_ = model.K();
    N_ = chains.U.cols();
    model_ = model;
    copy_in(model.A, A_);
    copy_in(chains.U, U_);
    ids_ = chains.chain;
    step_ = chains.step;
    S_.resize(U_.size());
    S_next_.resize(U_.size());
    R_.assign(static_cast<std::size_t>(D_ * N_), T(0));
    visit_prior<T>(model.prior, [&](const auto& ops) {
      for (std::size_t i = 0; i < U_.size(); ++i) S_[i] = ops.s(U_[i]);
    });
    const std::size_t chunks = static_cast<std::size_t>((N_ + kChunk - 1) / kChunk);
    chunk_sq_.assign(chunks, 0);
    chunk_active_.assign(chunks, 0);
  }

  void set_batch(const Matrix& X) override {
    require(X.rows() == D_ && X.cols() == N_,
            "the batch is " + std::to_string(X.rows()) + "x" + std::to_string(X.cols()) + " but the engine holds D = " +
                std::to_string(D_) + " and N = " + std::to_string(N_) + " chains; pass one column per chain.");
    copy_in(X, X_);
  }

  void run(std::uint64_t steps) override {
    require(!X_.empty(), "the engine has no batch; call set_batch before run.");
    for (std::uint64_t i = 0; i < steps; ++i) step();
    if (!std::all_of(U_.begin(), U_.end(), [](T u) { return std::isfinite(u); })) {
      ChainState c;
      read(model_, c);
      check_finite_chains(model_, c.U, step_, options_.eps);
    }
    require(std::all_of(A_.begin(), A_.end(), [](T a) { return std::isfinite(a); }),
            "the dictionary diverged (non-finite values) at step " + std::to_string(step_) +
                "; increase --tau-A (a slower dictionary) or --tau-u (a smaller coefficient step).");
  }

  void read(Model& model, ChainState& chains) const override {
    model.A = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>(A_.data(), D_, K_).template cast<Real>();
    chains.U = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>(U_.data(), K_, N_).template cast<Real>();
    chains.chain = ids_;
    chains.step = step_;
  }

  EngineStats stats() const override {
    double sq = 0, active = 0;
    for (std::size_t c = 0; c < chunk_sq_.size(); ++c) {
      sq += chunk_sq_[c];
      active += chunk_active_[c];
    }
    return {sq / double(D_ * N_), active / double(K_ * N_)};
  }

  std::string name() const override {
    return "cpu " + name_of(options_.dtype) + " (" + std::to_string(threads_) + " threads)";
  }

 private:
  static void copy_in(const Matrix& from, std::vector<T>& to) {
    to.resize(static_cast<std::size_t>(from.size()));
    for (Index i = 0; i < from.size(); ++i) to[static_cast<std::size_t>(i)] = static_cast<T>(from.data()[i]);
  }

  void step() {
    const T sigma = static_cast<T>(model_.sigma), inv_var = T(1) / (sigma * sigma);
    const T eps = static_cast<T>(options_.eps);
    const T noise_scale = static_cast<T>(std::sqrt(2 * options_.temperature * options_.eps));
    const bool learn = options_.tau_A > 0;
    const T rate = learn ? static_cast<T>(1.0 / (options_.tau_A * double(N_) * model_.sigma * model_.sigma)) : T(0);
    const Index chunks = (N_ + kChunk - 1) / kChunk;
    const Index dict_chunks = (K_ + kDictChunk - 1) / kDictChunk;
    const int nt = static_cast<int>(std::min<Index>(threads_, std::max(chunks, dict_chunks)));
    visit_prior<T>(model_.prior, [&](const auto& ops) {
#pragma omp parallel num_threads(nt)
      {
        thread_local std::vector<T> G;
        G.resize(static_cast<std::size_t>(K_ * kChunk));
#pragma omp for schedule(static)
        for (Index c = 0; c < chunks; ++c) {
          const Index j0 = c * kChunk, n = std::min(kChunk, N_ - j0);
          T* R = R_.data() + j0 * D_;
          const T* S = S_.data() + j0 * K_;
          std::copy_n(X_.data() + j0 * D_, n * D_, R);
          gemm(false, false, D_, n, K_, T(1), A_.data(), D_, S, K_, T(-1), R, D_);  // R = A S − X
          gemm(true, false, K_, n, D_, T(1), A_.data(), D_, R, D_, T(0), G.data(), K_);  // G = Aᵀ R
          double sq = 0;
          for (Index i = 0; i < n * D_; ++i) sq += double(R[i]) * double(R[i]);
          Index active = 0;
          for (Index i = 0; i < n * K_; ++i) active += S[i] != T(0);
          chunk_sq_[static_cast<std::size_t>(c)] = sq;
          chunk_active_[static_cast<std::size_t>(c)] = double(active);
          for (Index j = 0; j < n; ++j)
            update_column(ops, ids_[static_cast<std::size_t>(j0 + j)], U_.data() + (j0 + j) * K_,
                          G.data() + j * K_, S_next_.data() + (j0 + j) * K_, inv_var, eps, noise_scale);
        }
        if (learn) {
          // A ← A − rate · R Sᵀ with the S of the step's start, by fixed groups of columns of A.
#pragma omp for schedule(static)
          for (Index b = 0; b < dict_chunks; ++b) {
            const Index k0 = b * kDictChunk, m = std::min(kDictChunk, K_ - k0);
            gemm(false, true, D_, m, N_, -rate, R_.data(), D_, S_.data() + k0, K_, T(1), A_.data() + k0 * D_, D_);
          }
        }
      }
    });
    std::swap(S_, S_next_);
    ++step_;
  }

  // eq. 3.9 for one chain: K updates, each with its own normal, then s(u) for the next step.
  template <class Ops>
  void update_column(const Ops& ops, std::uint64_t chain, T* u, const T* g, T* s_next, T inv_var, T eps,
                     T noise_scale) const {
    constexpr auto purpose = static_cast<std::uint32_t>(Purpose::langevin_noise);
    T z[4 * kBlocks];
    for (Index k0 = 0; k0 < K_; k0 += 4 * kBlocks) {
      const Index m = std::min<Index>(4 * kBlocks, K_ - k0);
      const std::uint32_t b0 = static_cast<std::uint32_t>(k0 / 4);
      for (int b = 0; b < kBlocks; ++b)
        noise::normals4<T>(key_, purpose, step_, chain, b0 + static_cast<std::uint32_t>(b), z + 4 * b);
      for (Index i = 0; i < m; ++i) {
        const T un = euler_update(ops, u[k0 + i], g[k0 + i], inv_var, eps, noise_scale, z[i]);
        u[k0 + i] = un;
        s_next[k0 + i] = ops.s(un);
      }
    }
  }

  EngineOptions options_;
  noise::Key key_;
  int threads_;
  Model model_;
  Index D_ = 0, K_ = 0, N_ = 0;
  std::vector<T> A_, X_, U_, S_, S_next_, R_;
  std::vector<std::uint64_t> ids_;
  std::uint64_t step_ = 0;
  std::vector<double> chunk_sq_, chunk_active_;
};

}  // namespace

std::unique_ptr<StepEngine> make_cpu_step_engine(const EngineOptions& options) {
  if (options.dtype == Dtype::float32) return std::make_unique<CpuStepEngine<float>>(options);
  return std::make_unique<CpuStepEngine<double>>(options);
}

}  // namespace lsc::detail
