#include "lsc/sampler/tempered_hmc.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include "lsc/prior/prior_ops.hpp"
#include "lsc/prior/prior_sampling.hpp"

namespace lsc {

namespace {

enum class Use : std::uint64_t { init = 0, momentum = 1, accept = 2 };

std::uint64_t stream_step(std::uint64_t stream, Use use, std::uint64_t t) {
  return 16 * t + 3 * stream + static_cast<std::uint64_t>(use);
}

// ε is jittered uniformly in [1 − j, 1 + j] per chain and trajectory, which keeps fixed-length
// trajectories from returning to their start in directions whose period matches their length
// (Neal 2011).
constexpr Real kJitter = 0.2;

struct State {
  Matrix U;        // K×M chains
  Matrix G;        // Aᵀ(A s − x)/σ²: ∂/∂s of the likelihood energy
  Vector e_lik;    // ½‖x − A s‖²/σ²
  Vector e_prior;  // Σ_k cost(u_k) = −log p(u) + const

  void copy_column(const State& from, Index j) {
    U.col(j) = from.U.col(j);
    G.col(j) = from.G.col(j);
    e_lik(j) = from.e_lik(j);
    e_prior(j) = from.e_prior(j);
  }
};

}  // namespace

// The public functions are documented in the header.
class TemperedHmc::Impl {
 public:
  Impl(const Model& model, const Philox& rng, int leapfrog) : model_(model), rng_(rng), leapfrog_(leapfrog) {}

  void reset(const Matrix& Xcols, std::vector<std::uint64_t> ids, std::vector<std::uint64_t> streams) {
    X_ = Xcols;
    ids_ = std::move(ids);
    streams_ = std::move(streams);
    const Index M = X_.cols();
    cur_.U.resize(model_.K(), M);
    eps_.resize(M);
    accept_prob_.setZero(M);
    accepted_.assign(static_cast<std::size_t>(M), 0);
    proposed_ = 0;
  }

  void initialize(const Matrix* latents) {
    const Index K = model_.K();
    for (Index j = 0; j < cur_.U.cols(); ++j) {
      const std::uint64_t step = stream_step(streams_[static_cast<std::size_t>(j)], Use::init, 0);
      const std::uint64_t id = ids_[static_cast<std::size_t>(j)];
      for (Index k = 0; k < K; ++k) {
        const auto e = static_cast<std::uint32_t>(k);
        cur_.U(k, j) = latents ? draw_u_given_s(model_.prior, (*latents)(k, j), rng_, Purpose::ais, step, id, e)
                               : draw_prior_u(model_.prior, rng_, Purpose::ais, step, id, e);
      }
    }
    evaluate(cur_);
  }

  const Vector& e_lik() const { return cur_.e_lik; }

  void transition(Real beta, const Vector& eps, std::uint64_t t) {
    const Index K = model_.K(), M = cur_.U.cols();
    P_.resize(K, M);
    Vector log_u(M), h0(M);
    for (Index j = 0; j < M; ++j) {
      const std::uint64_t role = streams_[static_cast<std::size_t>(j)];
      const std::uint64_t id = ids_[static_cast<std::size_t>(j)];
      rng_.normals(Purpose::ais, stream_step(role, Use::momentum, t), id, P_.col(j).data(), K);
      const auto w = rng_.words(Purpose::ais, stream_step(role, Use::accept, t), id, 0);
      log_u(j) = std::log(Philox::uniform(w[0]));
      eps_(j) = eps(j) * (1 - kJitter + 2 * kJitter * (static_cast<Real>(w[1]) * 0x1p-32));
      h0(j) = cur_.e_prior(j) + beta * cur_.e_lik(j) + 0.5 * P_.col(j).squaredNorm();
    }
    // Leapfrog: a half step in p, then full steps in u and p, the last p step halved.
    prop_ = cur_;
    kick(prop_, beta, 0.5);
    for (int l = 1; l <= leapfrog_; ++l) {
      for (Index j = 0; j < M; ++j) prop_.U.col(j) += eps_(j) * P_.col(j);
      evaluate(prop_);
      kick(prop_, beta, l < leapfrog_ ? 1.0 : 0.5);
    }
    for (Index j = 0; j < M; ++j) {
      const Real h1 = prop_.e_prior(j) + beta * prop_.e_lik(j) + 0.5 * P_.col(j).squaredNorm();
      // A diverged trajectory (h1 NaN or +∞) is rejected.
      const Real log_alpha = std::isfinite(h1) ? h0(j) - h1 : -std::numeric_limits<Real>::infinity();
      accept_prob_(j) = log_alpha >= 0 ? 1.0 : std::exp(log_alpha);
      if (log_u(j) < log_alpha) {
        cur_.copy_column(prop_, j);
        ++accepted_[static_cast<std::size_t>(j)];
      }
    }
    ++proposed_;
  }

  const Vector& accept_prob() const { return accept_prob_; }
  std::uint64_t accepted(Index j) const { return accepted_[static_cast<std::size_t>(j)]; }
  std::uint64_t proposed() const { return proposed_; }

 private:
  // S = s(U), R = A S − X, G = AᵀR/σ² (eq. 3.9's G) and the energies: two products per call.
  void evaluate(State& st) {
    const Index K = model_.K(), M = st.U.cols();
    S_.resize(K, M);
    st.e_prior.resize(M);
    visit_prior(model_.prior, [&](const auto& ops) {
      for (Index j = 0; j < M; ++j) {
        Real c = 0;
        for (Index k = 0; k < K; ++k) {
          S_(k, j) = ops.s(st.U(k, j));
          c += ops.cost(st.U(k, j));
        }
        st.e_prior(j) = c;
      }
    });
    R_.noalias() = model_.A * S_;
    R_ -= X_;
    const Real inv_var = 1.0 / (model_.sigma * model_.sigma);
    st.G.noalias() = model_.A.transpose() * R_;
    st.G *= inv_var;
    st.e_lik = (0.5 * inv_var) * R_.colwise().squaredNorm().transpose();
  }

  // p ← p − fraction·ε ∂H/∂u with ∂H/∂u = cost'(u) + β ds/du ⊙ G (eq. 3.9, the likelihood
  // tempered by β).
  void kick(const State& st, Real beta, Real fraction) {
    const Index K = model_.K(), M = st.U.cols();
    visit_prior(model_.prior, [&](const auto& ops) {
      for (Index j = 0; j < M; ++j) {
        const Real e = fraction * eps_(j);
        for (Index k = 0; k < K; ++k) {
          const Real u = st.U(k, j);
          P_(k, j) -= e * (ops.dcost(u) + beta * ops.ds_du(u) * st.G(k, j));
        }
      }
    });
  }

  const Model& model_;
  const Philox& rng_;
  int leapfrog_;
  Matrix X_;
  std::vector<std::uint64_t> ids_;
  std::vector<std::uint64_t> streams_;
  State cur_, prop_;
  Matrix P_, S_, R_;
  Vector eps_, accept_prob_;
  std::vector<std::uint64_t> accepted_;
  std::uint64_t proposed_ = 0;
};

TemperedHmc::TemperedHmc(const Model& model, const Philox& rng, int leapfrog)
    : impl_(std::make_unique<Impl>(model, rng, leapfrog)) {}
TemperedHmc::~TemperedHmc() = default;
void TemperedHmc::reset(const Matrix& X, std::vector<std::uint64_t> ids, std::vector<std::uint64_t> streams) {
  impl_->reset(X, std::move(ids), std::move(streams));
}
void TemperedHmc::initialize(const Matrix* latents) { impl_->initialize(latents); }
void TemperedHmc::transition(Real beta, const Vector& eps, std::uint64_t t) { impl_->transition(beta, eps, t); }
const Vector& TemperedHmc::e_lik() const { return impl_->e_lik(); }
const Vector& TemperedHmc::accept_prob() const { return impl_->accept_prob(); }
std::uint64_t TemperedHmc::accepted(Index j) const { return impl_->accepted(j); }
std::uint64_t TemperedHmc::proposed() const { return impl_->proposed(); }

}  // namespace lsc
