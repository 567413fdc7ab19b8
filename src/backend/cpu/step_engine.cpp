// The CPU backend of StepEngine: the state in float or double, the step in step_kernel.cpp.
#include "step_engine.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/dist/batch_shard.hpp"
#include "lsc/model/divergence.hpp"
#include "lsc/solver/map_solver.hpp"
#include "step_kernel.hpp"

namespace lsc::detail {
namespace {

static_assert(kCpuChunk == dist::kChunkChains, "a rank's share of the batch must be whole chunks of the step");

// Adds the seconds `f` takes to `total` (the time in communication, waiting included).
template <class F>
void timed(double& total, F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <class T>
class CpuStepEngine final : public StepEngine {
 public:
  explicit CpuStepEngine(const EngineOptions& o)
      : options_(o), threads_(o.threads > 0 ? o.threads : threads()), shard_(o.shard.get()),
        ranks_(shard_ && shard_->size() > 1 ? &shard_->ranks() : nullptr) {}

  void load(const Model& model, const ChainState& chains) override {
    model.validate();
    if (options_.sampler == SamplerKind::gradient_flow) require_map_prior(model.prior, "SSC");
    require_chains_fit(model, chains);
    require(!shard_ || chains.U.cols() == shard_->count(),
            "this rank was given " + std::to_string(chains.U.cols()) + " chains but its share of the batch is " +
                std::to_string(shard_ ? shard_->count() : 0) + "; split the chains with BatchShard::slice.");
    model_ = model;
    D_ = model.D();
    K_ = model.K();
    N_ = chains.U.cols();
    copy_in(model.A, A_);
    copy_in(chains.U, U_);
    ids_ = chains.chain;
    step_ = chains.step;
    eps_ = chains.eps > 0 ? chains.eps : options_.eps;
    proposed_ = chains.proposed;
    accepted_ = chains.accepted;
    S_.resize(U_.size());
    S_next_.resize(U_.size());
    R_.assign(static_cast<std::size_t>(D_ * N_), T(0));
    if (options_.sampler == SamplerKind::mala) G_.assign(U_.size(), T(0));
    N_total_ = shard_ ? shard_->total() : N_;
    chunk_stats_.assign(static_cast<std::size_t>(cpu_chunks(N_)), {});
    all_chunk_stats_.assign(static_cast<std::size_t>(cpu_chunks(N_total_)), {});
    recompute_s();
    s_stale_ = false;
    X_.clear();
    cached_ = gram_valid_ = false;
    stats_ = {};
    reset_sums();
  }

  void set_batch(const Matrix& X) override {
    require_batch_fits(X, D_, N_);
    copy_in(X, X_);
    cached_ = false;
  }

  void set_parameters(Real sigma, const Prior& prior) override {
    require(prior.kind == model_.prior.kind, "the engine's prior cannot change its kind; load a new model.");
    model_.sigma = sigma;
    model_.prior = prior;
    // u0 moves with π, so s(U) changes: the next step recomputes it in its chunk pass, where U is
    // read anyway (a separate pass over the batch was 5 % of a bars training step with π learned).
    s_stale_ = true;
    cached_ = false;
  }

  void set_dictionary(const Matrix& A) override {
    require(A.rows() == D_ && A.cols() == K_, "the dictionary's shape differs from the engine's; load a new model.");
    copy_in(A, A_);
    cached_ = gram_valid_ = false;
  }

  void run(std::uint64_t steps, StepMode mode) override {
    require(!X_.empty(), "the engine has no batch; call set_batch before run.");
    if (mode.accumulate && sum_s_.empty()) {
      sum_s_.assign(U_.size(), 0.0);
      sum_active_.assign(U_.size(), 0.0);
    }
    const bool learn = mode.learn_dictionary && options_.tau_A > 0;
    for (std::uint64_t i = 0; i < steps; ++i) {
      CpuStep<T> s = args();
      if (!learn) s.rate = T(0);
      if (s.jumps && !gram_valid_) {
        gram_.resize(static_cast<std::size_t>(K_ * K_));
        cpu_gram(D_, K_, A_.data(), gram_.data());
        gram_valid_ = true;
      }
      s.gram = gram_.data();
      s.cached = cached_;
      s.keep_cache = options_.sampler == SamplerKind::mala && !learn;
      if (mode.accumulate) {
        s.sum_s = sum_s_.data();
        s.sum_active = sum_active_.data();
      }
      if (ranks_ && s.rate != T(0)) {
        // The coefficients here, the dictionary across the ranks (the header's "Ranks").
        CpuStep<T> coefficients_only = s;
        coefficients_only.rate = T(0);
        cpu_fused_step(coefficients_only);
        update_dictionary_across_ranks(s);
      } else {
        cpu_fused_step(s);
      }
      s_stale_ = false;
      std::swap(S_, S_next_);
      ++step_;
      cached_ = s.keep_cache;
      if (learn) gram_valid_ = false;
      if (mode.accumulate) ++sum_count_;
      collect_stats();
      if (mode.adapt && options_.adaptation && options_.sampler == SamplerKind::mala)
        eps_ = options_.adaptation->update(eps_, stats_.acceptance);
      // Scanning A and U for NaN and infinity took a tenth of a bars-size training step. A
      // non-finite A or s(U) shows in ‖R‖² at once, so scan then, every kScanEvery steps (a chain
      // of a nonnegative prior can run to −∞ with s = 0), and at the end of a multi-step call.
      if (!std::isfinite(stats_.residual_sq) || step_ % kScanEvery == 0 || (i + 1 == steps && steps > 1))
        check_finite();
    }
  }

  void run_products_only(std::uint64_t steps) override {
    require(!X_.empty(), "the engine has no batch; call set_batch before run.");
    for (std::uint64_t i = 0; i < steps; ++i) cpu_products_only(args());
    s_stale_ = false;
  }

  void read(Model& model, ChainState& chains) const override {
    model = model_;
    read_dictionary(model.A);
    chains.U.resize(K_, N_);
    std::copy(U_.begin(), U_.end(), chains.U.data());
    chains.chain = ids_;
    chains.step = step_;
    chains.eps = eps_;
    chains.proposed = proposed_;
    chains.accepted = accepted_;
  }

  void read_dictionary(Matrix& A) const override {
    A.resize(D_, K_);
    std::copy(A_.begin(), A_.end(), A.data());
  }

  void read_coefficients(Matrix& S) const override {
    S.resize(K_, N_);
    if (s_stale_) recompute_s();
    std::copy(S_.begin(), S_.end(), S.data());
  }

  void read_coefficient_columns(Matrix& S, Index first, Index count) const override {
    require_held_columns(first, count, N_);
    S.resize(K_, count);
    const auto from = static_cast<std::size_t>(K_ * first), n = static_cast<std::size_t>(K_ * count);
    if (s_stale_)
      visit_prior<T>(model_.prior, [&](const auto& ops) {
        for (std::size_t i = 0; i < n; ++i) S.data()[i] = ops.s(U_[from + i]);
      });
    else
      std::copy(S_.begin() + from, S_.begin() + from + n, S.data());
  }

  void read_sums(Matrix& sum_s, Matrix& sum_active, std::uint64_t& count) const override {
    sum_s.setZero(K_, N_);
    sum_active.setZero(K_, N_);
    if (!sum_s_.empty()) {
      std::copy(sum_s_.begin(), sum_s_.end(), sum_s.data());
      std::copy(sum_active_.begin(), sum_active_.end(), sum_active.data());
    }
    count = sum_count_;
  }

  void reset_sums() override {
    sum_s_.clear();
    sum_active_.clear();
    sum_count_ = 0;
  }

  EngineStats stats() const override { return stats_; }
  Real eps() const override { return eps_; }

  double communication_seconds() const override { return communication_s_; }

  std::string name() const override {
    std::string name = "cpu " + name_of(options_.dtype) + " (" + std::to_string(threads_) + " threads)";
    if (ranks_) name += " on rank " + std::to_string(ranks_->rank()) + " of " + std::to_string(ranks_->size());
    return name;
  }

 private:
  static void copy_in(const Matrix& from, std::vector<T>& to) {
    to.resize(static_cast<std::size_t>(from.size()));
    std::copy(from.data(), from.data() + from.size(), to.begin());
  }

  void recompute_s() const {
    visit_prior<T>(model_.prior, [&](const auto& ops) {
      for (std::size_t i = 0; i < U_.size(); ++i) S_[i] = ops.s(U_[i]);
    });
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
    s.recompute_s = s_stale_;
    s.S_next = S_next_.data();
    s.R = R_.data();
    s.G = G_.empty() ? nullptr : G_.data();
    s.chain = ids_.data();
    s.step = step_;
    s.key = noise::key_of(options_.seed);
    s.prior = model_.prior.kind;
    s.sampler = options_.sampler == SamplerKind::mala            ? CpuSampler::mala
                : options_.sampler == SamplerKind::gradient_flow ? CpuSampler::gradient_flow
                                                                 : CpuSampler::euler;
    s.jumps = options_.dead_zone_jumps && model_.prior.kind == PriorKind::l0 && options_.temperature > 0;
    s.lambda = static_cast<T>(model_.prior.lambda);
    s.u0 = static_cast<T>(model_.prior.u0());
    s.inv_var = static_cast<T>(1 / var);
    s.eps = static_cast<T>(eps_);
    s.noise_scale = static_cast<T>(std::sqrt(2 * options_.temperature * eps_));
    s.temperature = static_cast<T>(options_.temperature);
    s.rate = options_.tau_A > 0 ? static_cast<T>(1 / (options_.tau_A * double(N_total_) * var)) : T(0);
    s.chunk_stats = chunk_stats_.data();
    s.threads = threads_;
    return s;
  }

  static constexpr std::uint64_t kScanEvery = 64;

  // This rank's share of A ← A − rate Σ_c R_c S_cᵀ (the header's "Ranks"), after the step ran
  // with rate 0. Ordered: group by group of kCpuDictChunk columns, the partial A of the ranks
  // before is received, this rank's chunks folded into it and the result passed on, so the ranks
  // work as a pipeline; the last rank's A is the update, broadcast to all. Allreduce: each rank's
  // Σ over its own chunks, summed by MPI in its own order, then added to A.
  void update_dictionary_across_ranks(const CpuStep<T>& s) {
    const int rank = ranks_->rank(), last = ranks_->size() - 1;
    const Index groups = (K_ + kCpuDictChunk - 1) / kCpuDictChunk;
    if (options_.ordered_reduction) {
      for (Index q = 0; q < groups; ++q) {
        const Index k0 = q * kCpuDictChunk, m = std::min(kCpuDictChunk, K_ - k0);
        T* columns = A_.data() + k0 * D_;
        const std::size_t bytes = static_cast<std::size_t>(D_ * m) * sizeof(T);
        if (rank > 0) timed(communication_s_, [&] { ranks_->receive(columns, bytes, rank - 1, int(q)); });
        cpu_fold_dictionary(s, k0, m);
        if (rank < last) ranks_->send(columns, bytes, rank + 1, int(q));
      }
      timed(communication_s_, [&] {
        ranks_->wait_sends();
        ranks_->broadcast(A_.data(), A_.size() * sizeof(T), last);
      });
      return;
    }
    delta_.assign(A_.size(), T(0));
    CpuStep<T> partial = s;
    partial.A = delta_.data();
    for (Index q = 0; q < groups; ++q) {
      const Index k0 = q * kCpuDictChunk;
      cpu_fold_dictionary(partial, k0, std::min(kCpuDictChunk, K_ - k0));
    }
    timed(communication_s_, [&] { ranks_->allreduce_sum(delta_.data(), delta_.size()); });
    for (std::size_t i = 0; i < A_.size(); ++i) A_[i] += delta_[i];
  }

  void collect_stats() {
    // Every rank's chunks, then the sums in global chunk order: the same for any ranks and threads.
    const std::vector<ChunkStats>* chunks = &chunk_stats_;
    if (ranks_) {
      std::vector<std::size_t> bytes(static_cast<std::size_t>(ranks_->size()));
      for (int r = 0; r < ranks_->size(); ++r)
        bytes[static_cast<std::size_t>(r)] = static_cast<std::size_t>(shard_->chunks(r)) * sizeof(ChunkStats);
      timed(communication_s_, [&] { ranks_->allgather(chunk_stats_.data(), bytes, all_chunk_stats_.data()); });
      chunks = &all_chunk_stats_;
    }
    std::uint64_t accepted = 0;
    EngineStats e = stats_of_chunks(*chunks, D_, K_, N_total_, accepted);
    if (options_.sampler == SamplerKind::mala) {
      proposed_ += static_cast<std::uint64_t>(N_total_);
      accepted_ += accepted;
    }
    stats_ = e;
  }

  // The dictionary first: with A not finite the chains' stiffness says nothing. A is the same on
  // every rank; the chains are not, so the ranks agree on whether any diverged.
  void check_finite() {
    // In T: a float dictionary whose squares overflow float is lost even if double could hold them.
    T sum_sq = 0;
    for (T a : A_) sum_sq += a * a;
    if (!std::isfinite(sum_sq)) report_diverged_dictionary(step_);
    double diverged = std::all_of(U_.begin(), U_.end(), [](T u) { return std::isfinite(u); }) ? 0 : 1;
    if (ranks_) timed(communication_s_, [&] { ranks_->allreduce_sum(&diverged, 1); });
    if (diverged > 0) {
      Model m = model_;
      read_dictionary(m.A);
      report_diverged_chains(m, step_, eps_);
    }
  }

  EngineOptions options_;
  int threads_;
  const dist::BatchShard* shard_;  // owned by options_
  dist::Communicator* ranks_;      // null alone or on one rank
  Model model_;
  Index D_ = 0, K_ = 0, N_ = 0;
  Index N_total_ = 0;  // chains of the whole batch (N_ on this rank)
  // S_ is s(U) at the start of the next step; mutable for read_coefficients, which brings it up
  // to date when set_parameters left it stale.
  std::vector<T> A_, X_, U_, S_next_, R_, G_, gram_;
  mutable std::vector<T> S_;
  mutable bool s_stale_ = false;
  std::vector<double> sum_s_, sum_active_;
  std::uint64_t sum_count_ = 0;
  std::vector<ChunkStats> chunk_stats_, all_chunk_stats_;  // this rank's chunks, every rank's
  std::vector<T> delta_;  // the allreduce's partial update
  double communication_s_ = 0;
  std::vector<std::uint64_t> ids_;
  std::uint64_t step_ = 0, proposed_ = 0, accepted_ = 0;
  double eps_ = 0;
  bool cached_ = false, gram_valid_ = false;
  EngineStats stats_;
};

}  // namespace

void require_chains_fit(const Model& model, const ChainState& chains) {
  require(chains.U.rows() == model.K(),
          "the chains have " + std::to_string(chains.U.rows()) + " coefficients but the dictionary has K = " +
              std::to_string(model.K()) + " elements; start the chains from the same model.");
  require(static_cast<Index>(chains.chain.size()) == chains.U.cols(),
          "the chains have no ids; create them with ChainState::zeros.");
}

EngineStats stats_of_chunks(const std::vector<ChunkStats>& chunks, Index D, Index K, Index N, std::uint64_t& accepted) {
  EngineStats e;
  double active = 0;
  accepted = 0;
  for (const ChunkStats& c : chunks) {
    e.residual_sq += c.residual_sq;
    e.drive_u0 += c.drive_u0;
    e.slab_cost += c.slab_cost;
    e.slab_count += c.slab_count;
    active += c.active;
    accepted += c.accepted;
  }
  e.reconstruction_error = e.residual_sq / double(D * N);
  e.active_fraction = active / double(K * N);
  e.acceptance = double(accepted) / double(N);
  e.chains = static_cast<std::uint64_t>(N);
  e.coefficients = K;
  return e;
}

void require_batch_fits(const Matrix& X, Index D, Index N) {
  require(X.rows() == D && X.cols() == N,
          "the batch is " + std::to_string(X.rows()) + "x" + std::to_string(X.cols()) + " but the engine holds D = " +
              std::to_string(D) + " and N = " + std::to_string(N) + " chains; pass one column per chain.");
  require(X.allFinite(), "the batch contains NaN or infinite values; clean the data first.");
}

std::unique_ptr<StepEngine> make_cpu_step_engine(const EngineOptions& options) {
  if (options.dtype == Dtype::float32) return std::make_unique<CpuStepEngine<float>>(options);
  return std::make_unique<CpuStepEngine<double>>(options);
}

}  // namespace lsc::detail
