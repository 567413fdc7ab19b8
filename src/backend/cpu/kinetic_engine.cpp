// The kinetic (underdamped) Langevin samplers of the CPU backend, behind StepEngine like the
// fused engine (step_engine.hpp), with the elementwise math of kinetic_update.hpp. Per step:
//   hmc:   p ~ N(0, T m) afresh, L leapfrog steps (B_{h/2} A_h B_{h/2})^L with h jittered by
//          ±20 % per chain and step (Neal 2011), accepted with min(1, e^{−ΔH/T}): exact.
//   ghmc:  O, then one leapfrog step accepted by the same rule; a rejection reverses p
//          (Horowitz 1991), which keeps exp(−H/T) invariant: OBABO with a Metropolis test, exact.
//          The momentum carries the chain on between steps, so a coefficient crosses the L0 dead
//          zone (where no force but the prior's acts) ballistically instead of diffusing.
//   baoab: B_{h/2} A_{h/2} O A_{h/2} B_{h/2}, no test (Leimkuhler & Matthews 2013): biased by
//          O(h²), with a u-marginal that is exact for a Gaussian posterior.
// Each leapfrog step costs one gradient, the products R = A S − X and G = AᵀR (hmc: L per step).
// The mass m (EngineOptions::precondition) is diag(AᵀA)/σ² plus the prior's own precision, the
// curvature of E along each coefficient where it is active: every coefficient then moves on the
// scale of its posterior width, whatever the norm of its dictionary element.
// l0 with dead_zone_jumps: the Metropolis sweep of langevin_update.hpp first, as in the fused
// engine; it moves u given p, and p is independent of u under exp(−H/T), so the joint law stays.
// The dictionary stays fixed (tau_A = 0): these samplers serve lsc infer. In a trial they learned
// no better than Euler-Maruyama, and learning would need their momentum in the checkpoints
// (docs/parameters.md, "Samplers in learning").
// The random numbers are keyed by (seed, step, chain, element): the refresh normals by
// Purpose::momentum, the accept/reject and jitter uniforms by Purpose::metropolis, the jumps'
// as in the fused engine. Chains are processed in chunks of kCpuChunk columns, each chunk's
// products on their own, so results do not depend on the thread count.
#include "kinetic_engine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "lsc/backend/kinetic_update.hpp"
#include "lsc/core/error.hpp"
#include "lsc/core/noise.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/dist/batch_shard.hpp"
#include "lsc/model/divergence.hpp"
#include "lsc/prior/prior_ops.hpp"
#include "step_engine.hpp"
#include "step_kernel.hpp"

namespace lsc {

Vector kinetic_mass(const Model& model, bool precondition) {
  const Index K = model.K();
  if (!precondition) return Vector::Ones(K);
  const Real lambda = model.prior.lambda;
  Real prior_precision = lambda * lambda;  // Laplace-like priors: scale 1/λ
  if (model.prior.kind == PriorKind::gaussian) prior_precision = lambda;        // ½λu²
  if (model.prior.kind == PriorKind::cauchy) prior_precision = 2 * lambda;      // λ log(1 + u²) at 0
  return model.A.colwise().squaredNorm().transpose() / (model.sigma * model.sigma) +
         Vector::Constant(K, prior_precision);
}

namespace detail {
namespace {

constexpr Real kJitter = 0.2;  // hmc: h uniform in [1 − j, 1 + j]·h (Neal 2011)

template <class T>
class KineticEngine final : public StepEngine {
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

  // The proposal of one chunk, and its scratch.
  struct ChunkBuffers {
    Mat U, P, S, R, G, Z;
    std::vector<double> rsq, cost, h0;
    std::vector<T> h;
    std::vector<double> log_u;
  };

 public:
  explicit KineticEngine(const EngineOptions& o) : o_(o), threads_(o.threads > 0 ? o.threads : threads()) {
    require(!o.shard || o.shard->size() == 1,
            "the kinetic samplers (hmc, ghmc, baoab) run on one rank so far; start one process or use --sampler euler.");
    require(o.temperature > 0, "the kinetic samplers need a positive temperature; use --temperature 1.");
    require(o.tau_A == 0, "the kinetic samplers (hmc, ghmc, baoab) sample under a fixed dictionary; learn with euler or mala.");
    require(o.leapfrog >= 1, "hmc needs at least one leapfrog step per trajectory; pass --leapfrog 1 or more.");
    require(std::isfinite(o.friction) && o.friction >= 0,
            "the friction gamma must be 0 or positive; pass e.g. --friction 1.");
  }

  void load(const Model& model, const ChainState& chains) override {
    model.validate();
    require_chains_fit(model, chains);
    model_ = model;
    D_ = model.D();
    K_ = model.K();
    N_ = chains.U.cols();
    A_ = model.A.cast<T>();
    U_ = chains.U.cast<T>();
    P_ = Mat::Zero(K_, N_);  // the first refresh (hmc: the first draw) gives p its law
    ids_ = chains.chain;
    step_ = chains.step;
    eps_ = chains.eps > 0 ? chains.eps : o_.eps;
    proposed_ = chains.proposed;
    accepted_ = chains.accepted;
    S_.resize(K_, N_);
    R_.resize(D_, N_);
    G_.resize(K_, N_);
    rsq_.assign(static_cast<std::size_t>(N_), 0.0);
    cost_.assign(static_cast<std::size_t>(N_), 0.0);
    buffers_.assign(static_cast<std::size_t>(cpu_chunks(N_)), {});
    sums_.assign(buffers_.size(), {});
    X_.resize(0, 0);
    update_dictionary_terms();
    stale_ = true;
    stats_ = {};
    reset_sums();
  }

  void set_batch(const Matrix& X) override {
    require_batch_fits(X, D_, N_);
    X_ = X.cast<T>();
    stale_ = true;
  }

  void set_parameters(Real sigma, const Prior& prior) override {
    require(prior.kind == model_.prior.kind, "the engine's prior cannot change its kind; load a new model.");
    model_.sigma = sigma;
    model_.prior = prior;
    update_dictionary_terms();
    stale_ = true;
  }

  void set_dictionary(const Matrix& A) override {
    require(A.rows() == D_ && A.cols() == K_, "the dictionary's shape differs from the engine's; load a new model.");
    A_ = A.cast<T>();
    model_.A = A;
    update_dictionary_terms();
    stale_ = true;
  }

  void run(std::uint64_t steps, StepMode mode) override {
    require(X_.size() > 0, "the engine has no batch; call set_batch before run.");
    if (mode.accumulate && sum_s_.size() == 0) {
      sum_s_ = Matrix::Zero(K_, N_);
      sum_active_ = Matrix::Zero(K_, N_);
    }
    const Index chunks = cpu_chunks(N_);
    const int nt = static_cast<int>(std::min<Index>(threads_, chunks));
    visit_ops<T>(model_.prior.kind, T(model_.prior.lambda), T(model_.prior.u0()), [&](const auto& ops) {
      for (std::uint64_t i = 0; i < steps; ++i) {
        if (stale_) {
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
          for (Index c = 0; c < chunks; ++c) evaluate_chunk(ops, c);
          stale_ = false;
        }
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
        for (Index c = 0; c < chunks; ++c) step_chunk(c, mode.accumulate);
        finish_step(mode);
      }
    });
    if (!std::all_of(rsq_.begin(), rsq_.end(), [](double v) { return std::isfinite(v); }) || !U_.allFinite())
      report_diverged_chains(model_, step_, eps_);
  }

  void run_products_only(std::uint64_t steps) override {
    require(X_.size() > 0, "the engine has no batch; call set_batch before run.");
    for (std::uint64_t i = 0; i < steps; ++i) {
      R_.noalias() = A_ * S_;
      R_ -= X_;
      G_.noalias() = A_.transpose() * R_;
    }
    stale_ = true;
  }

  void read(Model& model, ChainState& chains) const override {
    model = model_;
    read_dictionary(model.A);
    chains.U = U_.template cast<Real>();
    chains.chain = ids_;
    chains.step = step_;
    chains.eps = eps_;
    chains.proposed = proposed_;
    chains.accepted = accepted_;
  }

  void read_dictionary(Matrix& A) const override { A = A_.template cast<Real>(); }

  void read_coefficients(Matrix& S) const override {
    S.resize(K_, N_);
    visit_ops<T>(model_.prior.kind, T(model_.prior.lambda), T(model_.prior.u0()), [&](const auto& ops) {
      for (Index i = 0; i < U_.size(); ++i) S.data()[i] = ops.s(U_.data()[i]);
    });
  }

  void read_sums(Matrix& sum_s, Matrix& sum_active, std::uint64_t& count) const override {
    sum_s = sum_s_.size() ? sum_s_ : Matrix::Zero(K_, N_);
    sum_active = sum_active_.size() ? sum_active_ : Matrix::Zero(K_, N_);
    count = sum_count_;
  }

  void reset_sums() override {
    sum_s_.resize(0, 0);
    sum_active_.resize(0, 0);
    sum_count_ = 0;
  }

  EngineStats stats() const override { return stats_; }
  Real eps() const override { return eps_; }
  std::string name() const override {
    return "cpu " + name_of(o_.dtype) + " " + name_of(o_.sampler) + " (" + std::to_string(threads_) + " threads)";
  }

 private:
  bool metropolis() const { return o_.sampler != SamplerKind::baoab; }

  void update_dictionary_terms() {
    const Vector m = kinetic_mass(model_, o_.precondition);
    inv_mass_ = m.cwiseInverse().cast<T>();
    sqrt_mass_ = m.cwiseSqrt().cast<T>();
    jumps_ = o_.dead_zone_jumps && model_.prior.kind == PriorKind::l0;
    if (jumps_) gram_ = A_.transpose() * A_;
  }

  // The state's S = s(U), Σ_k C(u_k), R = A S − X, G = AᵀR and ‖R‖² for the chunk's chains.
  template <class Ops>
  void evaluate_chunk(const Ops& ops, Index c) {
    const Index j0 = c * kCpuChunk, n = std::min<Index>(kCpuChunk, N_ - j0);
    for (Index j = j0; j < j0 + n; ++j) {
      double cost = 0;
      for (Index k = 0; k < K_; ++k) {
        S_(k, j) = ops.s(U_(k, j));
        cost += double(ops.cost(U_(k, j)));
      }
      cost_[static_cast<std::size_t>(j)] = cost;
    }
    products(c, S_, R_, G_, rsq_.data(), j0);
  }

  // R = A S − X, G = AᵀR and ‖R‖² of the chunk's chains, in the columns at, at + 1, ... of S, R,
  // G and rsq (the state's: at = the chunk's first chain; the chunk-sized proposal buffers: 0).
  void products(Index c, const Mat& S, Mat& R, Mat& G, double* rsq, Index at) {
    const Index j0 = c * kCpuChunk, n = std::min<Index>(kCpuChunk, N_ - j0);
    auto r = R.middleCols(at, n);
    r.noalias() = A_ * S.middleCols(at, n);
    r -= X_.middleCols(j0, n);
    G.middleCols(at, n).noalias() = A_.transpose() * r;
    for (Index j = 0; j < n; ++j) rsq[at + j] = double(r.col(j).squaredNorm());
  }

  // The normals of this step's refresh of the chunk's chains, K×n (Purpose::momentum).
  const T* refresh_normals(Index j0, Index n, ChunkBuffers& b) {
    b.Z.resize(K_, n);
    cpu_normals<T>(static_cast<std::uint32_t>(Purpose::momentum), noise::key_of(o_.seed), step_, ids_.data() + j0, n,
                   K_, b.Z.data());
    return b.Z.data();
  }

  KineticColumn<T> column() const {
    KineticColumn<T> c;
    c.prior = model_.prior.kind;
    c.lambda = T(model_.prior.lambda);
    c.u0 = T(model_.prior.u0());
    c.inv_var = T(1 / (model_.sigma * model_.sigma));
    c.inv_mass = inv_mass_.data();
    c.sqrt_mass = sqrt_mass_.data();
    c.K = K_;
    return c;
  }

  double energy(double rsq, double cost) const { return 0.5 * rsq / (model_.sigma * model_.sigma) + cost; }

  // The dead-zone sweep of the chunk (langevin_update.hpp), keeping S, R, G and the energies.
  void jump_chunk(Index j0, Index n) {
    const JumpSweep<T> j{D_, K_, A_.data(), gram_.data(), T(1 / (model_.sigma * model_.sigma)), T(model_.prior.lambda),
                         T(model_.prior.u0()), T(o_.temperature), noise::key_of(o_.seed), step_};
    cpu_jump_sweep(j, ids_.data() + j0, n, U_.col(j0).data(), S_.col(j0).data(), R_.col(j0).data(), G_.col(j0).data(),
                   cost_.data() + j0, rsq_.data() + j0);
  }

  void step_chunk(Index c, bool accumulate) {
    const Index j0 = c * kCpuChunk, n = std::min<Index>(kCpuChunk, N_ - j0);
    ChunkBuffers& b = buffers_[static_cast<std::size_t>(c)];
    if (jumps_) jump_chunk(j0, n);
    sums_[static_cast<std::size_t>(c)] = chunk_sums(j0, n);
    const T h = T(std::sqrt(2 * eps_));
    const T eta = T(std::exp(-o_.friction * double(h)));
    if (o_.sampler == SamplerKind::baoab)
      baoab_chunk(c, j0, n, h, eta, b);
    else
      metropolis_chunk(c, j0, n, h, eta, b);
    if (accumulate)
      for (Index j = j0; j < j0 + n; ++j) {
        const T* sj = S_.col(j).data();
        double* sum = sum_s_.col(j).data();
        double* active = sum_active_.col(j).data();
        for (Index k = 0; k < K_; ++k) {
          sum[k] += double(sj[k]);
          active[k] += sj[k] != T(0) ? 1.0 : 0.0;
        }
      }
  }

  // B_{h/2} A_{h/2} O A_{h/2}, the products, B_{h/2}, in place.
  void baoab_chunk(Index c, Index j0, Index n, T h, T eta, ChunkBuffers& b) {
    const KineticColumn<T> col = column();
    const T* Z = refresh_normals(j0, n, b);
    const T sd = T(std::sqrt((1 - double(eta) * double(eta)) * o_.temperature));
    for (Index j = j0; j < j0 + n; ++j) {
      T* u = U_.col(j).data();
      T* p = P_.col(j).data();
      cpu_kick_drift(col, u, p, S_.col(j).data(), G_.col(j).data(), h / 2, h / 2);
      cpu_refresh(col, p, Z + (j - j0) * K_, eta, sd);
      cost_[static_cast<std::size_t>(j)] = cpu_drift(col, u, p, S_.col(j).data(), h / 2);
    }
    products(c, S_, R_, G_, rsq_.data(), j0);
    for (Index j = j0; j < j0 + n; ++j) cpu_kick(col, P_.col(j).data(), U_.col(j).data(), G_.col(j).data(), h / 2);
  }

  // hmc and ghmc: refresh, L leapfrog steps on a copy, accept or reject per chain.
  void metropolis_chunk(Index c, Index j0, Index n, T h, T eta, ChunkBuffers& b) {
    const KineticColumn<T> cc = column();
    const bool hmc = o_.sampler == SamplerKind::hmc;
    if (hmc) eta = T(0);
    const noise::Key key = noise::key_of(o_.seed);
    const T* Z = refresh_normals(j0, n, b);
    const T sd = T(std::sqrt((1 - double(eta) * double(eta)) * o_.temperature));
    b.U.resize(K_, n);
    b.P.resize(K_, n);
    b.S.resize(K_, n);
    b.R.resize(D_, n);
    b.G.resize(K_, n);
    b.rsq.resize(static_cast<std::size_t>(n));
    b.cost.resize(static_cast<std::size_t>(n));
    b.h.resize(static_cast<std::size_t>(n));
    b.h0.resize(static_cast<std::size_t>(n));
    b.log_u.resize(static_cast<std::size_t>(n));
    // O, the energy H of the start, and the first half kick and drift, in one pass per chain.
    for (Index j = 0; j < n; ++j) {
      const Index col = j0 + j;
      const auto i = static_cast<std::size_t>(j);
      const noise::Counter w = noise::philox(
          noise::counter_of(static_cast<std::uint32_t>(Purpose::metropolis), step_, ids_[static_cast<std::size_t>(col)], 0), key);
      b.log_u[i] = std::log(noise::uniform<double>(w.c0));
      b.h[i] = hmc ? T(double(h) * (1 - kJitter + 2 * kJitter * noise::uniform<double>(w.c1))) : h;
      T* p = P_.col(col).data();
      b.h0[i] = energy(rsq_[static_cast<std::size_t>(col)], cost_[static_cast<std::size_t>(col)]) +
                cpu_refresh(cc, p, Z + j * K_, eta, sd);
      std::copy_n(U_.col(col).data(), K_, b.U.col(j).data());
      std::copy_n(p, K_, b.P.col(j).data());
      b.cost[i] = cpu_kick_drift(cc, b.U.col(j).data(), b.P.col(j).data(), b.S.col(j).data(), G_.col(col).data(),
                                 b.h[i] / 2, b.h[i]);
    }
    const int L = hmc ? o_.leapfrog : 1;
    for (int l = 1; l <= L; ++l) {
      products(c, b.S, b.R, b.G, b.rsq.data(), 0);
      // Between leapfrog steps the two half kicks merge into one.
      if (l < L)
        for (Index j = 0; j < n; ++j)
          b.cost[static_cast<std::size_t>(j)] =
              cpu_kick_drift(cc, b.U.col(j).data(), b.P.col(j).data(), b.S.col(j).data(), b.G.col(j).data(),
                             b.h[static_cast<std::size_t>(j)], b.h[static_cast<std::size_t>(j)]);
    }
    std::uint64_t accepted = 0;
    for (Index j = 0; j < n; ++j) {
      const auto i = static_cast<std::size_t>(j);
      const Index col = j0 + j;
      const double h1 =
          energy(b.rsq[i], b.cost[i]) + cpu_kick(cc, b.P.col(j).data(), b.U.col(j).data(), b.G.col(j).data(), b.h[i] / 2);
      // A diverged trajectory (h1 NaN or +∞) is rejected.
      const double log_alpha =
          std::isfinite(h1) ? (b.h0[i] - h1) / o_.temperature : -std::numeric_limits<double>::infinity();
      if (b.log_u[i] < log_alpha) {
        U_.col(col) = b.U.col(j);
        P_.col(col) = b.P.col(j);
        S_.col(col) = b.S.col(j);
        R_.col(col) = b.R.col(j);
        G_.col(col) = b.G.col(j);
        rsq_[static_cast<std::size_t>(col)] = b.rsq[i];
        cost_[static_cast<std::size_t>(col)] = b.cost[i];
        ++accepted;
      } else {
        P_.col(col) = -P_.col(col);  // Horowitz's reversal (irrelevant to hmc, which redraws p)
      }
    }
    sums_[static_cast<std::size_t>(c)].accepted = accepted;
  }

  ChunkStats chunk_sums(Index j0, Index n) const {
    return cpu_chunk_stats(column(), D_, n, S_.col(j0).data(), R_.col(j0).data(), G_.col(j0).data());
  }

  void finish_step(StepMode mode) {
    std::uint64_t accepted = 0;
    EngineStats e = stats_of_chunks(sums_, D_, K_, N_, accepted);
    if (!metropolis()) e.acceptance = 1;
    if (metropolis()) {
      proposed_ += static_cast<std::uint64_t>(N_);
      accepted_ += accepted;
    }
    stats_ = e;
    ++step_;
    if (mode.accumulate) ++sum_count_;
    if (mode.adapt && o_.adaptation && metropolis()) eps_ = o_.adaptation->update(eps_, e.acceptance);
  }

  EngineOptions o_;
  int threads_;
  Model model_;
  Index D_ = 0, K_ = 0, N_ = 0;
  Mat A_, X_, U_, P_, S_, R_, G_, gram_;
  Vec inv_mass_, sqrt_mass_;
  bool jumps_ = false, stale_ = true;
  std::vector<double> rsq_, cost_;  // ‖A s − x‖² and Σ_k C(u_k) of each chain
  std::vector<ChunkBuffers> buffers_;
  std::vector<ChunkStats> sums_;
  Matrix sum_s_, sum_active_;
  std::uint64_t sum_count_ = 0;
  std::vector<std::uint64_t> ids_;
  std::uint64_t step_ = 0, proposed_ = 0, accepted_ = 0;
  double eps_ = 0;
  EngineStats stats_;
};

}  // namespace

std::unique_ptr<StepEngine> make_cpu_kinetic_engine(const EngineOptions& options) {
  if (options.dtype == Dtype::float32) return std::make_unique<KineticEngine<float>>(options);
  return std::make_unique<KineticEngine<double>>(options);
}

}  // namespace detail
}  // namespace lsc
