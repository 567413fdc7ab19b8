#pragma once
// The sparse-coding variational auto-encoder (SVAE; Geadah et al., SVAE §3-4): the linear model
// x = Φ z + ε, ε ~ N(0, σ² I) (SVAE eq. 1-2; σ² = e^−2 in SVAE §4.2), with a factorial prior
// p(z) (laplace, cauchy or gaussian; SVAE eq. 27-29 are λ = 1 of lsc's Prior), fitted together
// with an amortized Gaussian recognition model q(z|x) = N(μ(x), diag v(x)) (SVAE eq. 23) by
// stochastic gradient ascent of the evidence lower bound (ELBO, SVAE eq. 10).
//
// The recognition network (SVAE §4.2): a shared layer of 128 ReLU units, then for μ and for v
// separately 256 and 512 ReLU units; μ's output layer is linear and v's is a sigmoid, whose
// output is the variance itself (v ∈ (0, 1): the priors have unit scale, so the posteriors'
// variances are below 1, SVAE §4.2). The decoder Φ is the model's dictionary A (D×K).
//
// The ELBO of one data point, with every constant kept so that it is a lower bound on log p(x)
// in nats, comparable with AIS and with the Gaussian prior's exact log N(x; 0, σ²I + ΦΦᵀ):
//   L(x) = E_q[log N(x; Φz, σ²I)] + E_q[Σ_k log p(z_k)] + H[q],   H[q] = Σ_k ½ log(2πe v_k).
// Its estimator, with m reparameterized draws z_j = μ + √v ⊙ n_j, n_j ~ N(0, I) (SVAE eq. 25):
//   L̂(x) = (1/m) Σ_j [−‖x − Φz_j‖²/(2σ²) − (D/2) log(2πσ²) + Σ_k log p(z_jk)] + H[q].
// The entropy is exact: −E_q log q(z) of a Gaussian needs no sampling whatever the prior, and its
// Monte Carlo form (SVAE eq. 26) only adds variance. The likelihood and prior terms are sampled
// for all three priors, as in SVAE eq. 26: the Cauchy's E_q log(1 + z²) has no closed form, and
// one estimator for all priors means the priors are compared on equal terms. (SVAE eq. 26
// prints the squared error with a + sign and without the −(D/2) log(2πσ²); both are fixed here.)
// E[L̂(x)] = L(x) ≤ log p(x) at any parameters, with equality iff q(z|x) is the exact posterior.
//
// Training maximizes the batch mean of L̂ with Adam. The paper sums over the batch instead; Adam's
// steps do not depend on the objective's scale while √v̂ ≫ ε, so the two give the same updates.
#include <cstdint>
#include <vector>

#include "lsc/core/rng.hpp"
#include "lsc/learn/learner.hpp"
#include "lsc/model/model.hpp"
#include "lsc/nn/adam.hpp"
#include "lsc/nn/mlp.hpp"

namespace lsc {

// Hidden layer widths of the recognition network (SVAE §4.2).
struct SvaeArchitecture {
  Index shared = 128;   // ReLU units shared by the mean and variance networks
  Index hidden1 = 256;  // first ReLU layer of each network
  Index hidden2 = 512;  // second ReLU layer of each network
};

// An ELBO estimate over a set of data points.
struct ElboEstimate {
  RowVector per_point;  // L̂(x_n) averaged over the draws, nats
  Real mean = 0;        // mean of per_point
  // Standard error of `mean` due to the Monte Carlo draws alone (the data held fixed), from the
  // spread of the draws within each point; NaN with a single draw.
  Real mc_se = 0;
};

class Svae {
 public:
  // A fresh recognition network on the decoder `model` (A = Φ, σ, prior), with He-initialized
  // ReLU layers and LeCun-initialized output layers (nn::Dense::random), zero biases, from seed.
  Svae(Model model, SvaeArchitecture architecture, std::uint64_t seed);
  // From trained parts (a run folder): the three networks must fit D and K.
  Svae(Model model, nn::Mlp shared, nn::Mlp mean, nn::Mlp variance);

  const Model& model() const { return model_; }
  Index D() const { return model_.D(); }
  Index K() const { return model_.K(); }
  const nn::Mlp& shared_net() const { return shared_; }
  const nn::Mlp& mean_net() const { return mean_; }
  const nn::Mlp& variance_net() const { return variance_; }

  // q(z|x) of every column of X (D×N): its means and variances, K×N each.
  void encode(const Matrix& X, Matrix& mean, Matrix& variance) const;

  // L̂ with `samples` draws per point, draw j of column n keyed (seed, svae_noise, step = j,
  // chain = n); a seed other than the training seed keeps the draws independent of training's.
  ElboEstimate elbo(const Matrix& X, int samples, std::uint64_t seed) const;
  // The same for a given diagonal Gaussian q (means and variances K×N), e.g. the exact posterior.
  ElboEstimate elbo(const Matrix& X, const Matrix& mean, const Matrix& variance, int samples,
                    std::uint64_t seed) const;

  // The training objective: the batch mean of L̂ with the draws given as standard normal noise,
  // K×(N·m), draw j of point n in column j·N + n.
  Real objective(const Matrix& X, const Matrix& noise) const;
  // The same value, and the gradient of the loss −objective (which Adam minimizes) with respect
  // to every parameter in params(), left in the parameters' gradient storage.
  Real gradient(const Matrix& X, const Matrix& noise);
  // Encoder parameters (shared, mean, variance networks, layer by layer), then Φ (column-major).
  std::vector<nn::Param> params();
  // Mean of ‖x − Φz‖²/D over the columns of the last gradient() call, and its draws z (K×(N·m)).
  Real last_reconstruction_error() const { return last_error_; }
  const Matrix& last_draws() const { return work_.Z; }

  // The training draws of a step: column j·N + n holds the K normals of (seed, svae_noise,
  // step, chain = n·m + j), so a batch's noise does not depend on how it is computed.
  static void draw_noise(const Philox& rng, std::uint64_t step, Index K, Index N, int samples, Matrix& noise);

 private:
  // Buffers of one evaluation of L̂, reused between calls.
  struct Work {
    nn::Mlp::Trace shared, mean, variance;
    Matrix S, Z, R, GZ, dMu, dV, dH, dH2;
    RowVector value;  // L̂ of each column of Z (one draw), without the entropy
    RowVector entropy;  // H[q] of each point
  };
  // Fills w.Z, w.R, w.value and w.entropy for q = N(Mu, diag V) and the noise.
  void evaluate(const Matrix& X, const Matrix& Mu, const Matrix& V, const Matrix& noise, int samples,
                Work& w) const;
  void check_data(const Matrix& X) const;

  Model model_;
  nn::Mlp shared_, mean_, variance_;
  Matrix dA_;  // gradient of the loss with respect to Φ
  Work work_;
  Real last_error_ = 0;
};

struct SvaeOptions {
  SvaeArchitecture architecture;
  nn::AdamOptions adam;  // lr 1e-4 (SVAE §4.3)
  int samples = 1;       // m draws per data point and step (SVAE §4.3: m = 1; up to 5 made no difference)
  std::uint64_t seed = 0;
};

// SVAE training as a Learner: every step draws batch `step` (LearnerOptions::batch points, 32 in
// SVAE §4.3) and its noise, and takes one Adam step on the encoder and Φ together. σ and the
// prior stay fixed. The state (step, Φ, encoder weights, Adam's moments) is all there is:
// batches and noise are functions of the step, so a restored learner continues bit-exactly.
class SvaeLearner final : public Learner {
 public:
  SvaeLearner(Model model, const BatchSource& source, LearnerOptions options, SvaeOptions svae);
  void step() override;
  StepStats stats() const override { return stats_; }
  // The draws z of the last step's points (the first draw of each), K×N.
  const Matrix& coefficients() const override { return Z_; }
  // LearnerState::extra: the encoder's parameter tensors (params() order, without Φ), then Adam's
  // first and second moments of every parameter including Φ. Adam's step count is `step`.
  LearnerState state() const override;
  void restore(const LearnerState& state) override;
  const Svae& svae() const { return svae_; }

 private:
  Svae svae_;
  SvaeOptions svae_options_;
  Philox rng_;
  std::vector<nn::Param> params_;
  nn::Adam adam_;
  Matrix noise_, Z_;
  StepStats stats_;
};

}  // namespace lsc
