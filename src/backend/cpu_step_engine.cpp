// The CPU backend of StepEngine: the state in float or double, the step in cpu_step_kernel.cpp.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu_step_engine.hpp"
#include "cpu_step_kernel.hpp"
#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/sampler/langevin.hpp"

namespace lsc::detail {
namespace {

template <class T>
class CpuStepEngine final : public StepEngine {
 public:
  explicit CpuStepEngine(const EngineOptions& o) : options_(o), threads_(o.threads > 0 ? o.threads : threads()) {}

  void load(const Model& model, const ChainState& chains) override {
    model.validate();
    require(chains.U.rows() == model.K(),
            "the chains have " + std::to_string(chains.U.rows()) + " coefficients but the dictionary has K = " +
                std::to_string(model.K()) + " elements; start the chains from the same model.");
    require(static_cast<Index>(chains.chain.size()) == chains.U.cols(),
            "the chains have no ids; create them with ChainState::zeros.");
    model_ = model;
    D_ = model.D();
    K_ = model.K();
    N_ = chains.U.cols();
    copy_in(model.A, A_);
    copy_in(chains.U, U_);
    ids_ = chains.chain;
    step_ = loaded_step_ = chains.step;
    S_.resize(U_.size());
    S_next_.resize(U_.size());
    R_.assign(static_cast<std::size_t>(D_ * N_), T(0));
    visit_prior<T>(model.prior, [&](const auto& ops) {
      for (std::size_t i = 0; i < U_.size(); ++i) S_[i] = ops.s(U_[i]);
    });
    X_.clear();
  }

  void set_batch(const Matrix& X) override {
    require(X.rows() == D_ && X.cols() == N_,
            "the batch is " + std::to_string(X.rows()) + "x" + std::to_string(X.cols()) + " but the engine holds D = " +
                std::to_string(D_) + " and N = " + std::to_string(N_) + " chains; pass one column per chain.");
    require(X.allFinite(), "the batch contains NaN or infinite values; clean the data first.");
    copy_in(X, X_);
  }

  void run(std::uint64_t steps, bool learn_dictionary) override {
    require(!X_.empty(), "the engine has no batch; call set_batch before run.");
    for (std::uint64_t i = 0; i < steps; ++i) {
      CpuStep<T> s = args();
      if (!learn_dictionary) s.rate = T(0);
      cpu_fused_step(s);
      std::swap(S_, S_next_);
      ++step_;
    }
    check_finite();
  }

  void run_products_only(std::uint64_t steps) override {
    require(!X_.empty(), "the engine has no batch; call set_batch before run.");
    for (std::uint64_t i = 0; i < steps; ++i) cpu_products_only(args());
  }

  void read(Model& model, ChainState& chains) const override {
    model.A.resize(D_, K_);
    std::copy(A_.begin(), A_.end(), model.A.data());
    chains.U.resize(K_, N_);
    std::copy(U_.begin(), U_.end(), chains.U.data());
    chains.chain = ids_;
    chains.step = step_;
  }

  void read_dictionary(Matrix& A) const override {
    A.resize(D_, K_);
    std::copy(A_.begin(), A_.end(), A.data());
  }

  EngineStats stats() const override {
    // Computed on demand from the last step's R and the S of its start (now in S_next_): the
    // step itself does no work for statistics nobody reads.
    if (step_ == loaded_step_) return {};
    double sq = 0, active = 0;
    cpu_step_stats(R_.data(), D_ * N_, S_next_.data(), K_ * N_, sq, active);
    return {sq / double(D_ * N_), active / double(K_ * N_)};
  }

  std::string name() const override {
    return "cpu " + name_of(options_.dtype) + " (" + std::to_string(threads_) + " threads)";
  }

 private:
  static void copy_in(const Matrix& from, std::vector<T>& to) {
    to.resize(static_cast<std::size_t>(from.size()));
    std::copy(from.data(), from.data() + from.size(), to.begin());
  }

  CpuStep<T> args() {
    const double var = model_.sigma * model_.sigma;
    CpuStep<T> s;
    s.D = D_;
    s.K = K_;
    s.N = N_;
    s.A = A_.data();
    s.X = X_.data();
    s.U = U_.data();
    s.S = S_.data();
    s.S_next = S_next_.data();
    s.R = R_.data();
    s.chain = ids_.data();
    s.step = step_;
    s.key = noise::key_of(options_.seed);
    s.prior = model_.prior.kind;
    s.lambda = static_cast<T>(model_.prior.lambda);
    s.u0 = static_cast<T>(model_.prior.u0());
    s.inv_var = static_cast<T>(1 / var);
    s.eps = static_cast<T>(options_.eps);
    s.noise_scale = static_cast<T>(std::sqrt(2 * options_.temperature * options_.eps));
    s.rate = options_.tau_A > 0 ? static_cast<T>(1 / (options_.tau_A * double(N_) * var)) : T(0);
    s.threads = threads_;
    return s;
  }

  void check_finite() {
    if (!std::all_of(U_.begin(), U_.end(), [](T u) { return std::isfinite(u); })) {
      ChainState c;
      read(model_, c);
      check_finite_chains(model_, c.U, step_, options_.eps);
    }
    require(std::all_of(A_.begin(), A_.end(), [](T a) { return std::isfinite(a); }),
            "the dictionary diverged (non-finite values) at step " + std::to_string(step_) +
                "; increase --tau-A (a slower dictionary) or --tau-u (a smaller coefficient step).");
  }

  EngineOptions options_;
  int threads_;
  Model model_;
  Index D_ = 0, K_ = 0, N_ = 0;
  std::vector<T> A_, X_, U_, S_, S_next_, R_;
  std::vector<std::uint64_t> ids_;
  std::uint64_t step_ = 0, loaded_step_ = 0;
};

}  // namespace

std::unique_ptr<StepEngine> make_cpu_step_engine(const EngineOptions& options) {
  if (options.dtype == Dtype::float32) return std::make_unique<CpuStepEngine<float>>(options);
  return std::make_unique<CpuStepEngine<double>>(options);
}

}  // namespace lsc::detail
