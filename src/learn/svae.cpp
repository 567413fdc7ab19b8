#include "lsc/learn/svae.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "lsc/core/error.hpp"
#include "lsc/nn/activation.hpp"
#include "lsc/nn/dense.hpp"

namespace lsc {

namespace {

constexpr Real kTwoPi = 2 * std::numbers::pi;
// Points per block when evaluating many data points, so that the networks' activations stay small.
constexpr Index kEvalBlock = 1024;

void require_svae_prior(const Prior& prior) {
  require(prior.kind == PriorKind::laplace || prior.kind == PriorKind::cauchy || prior.kind == PriorKind::gaussian,
          "the SVAE needs a prior with a density on the whole real line, not " + prior.name() +
              "; use --prior cauchy, laplace or gaussian.");
}

// Dense layers followed by ReLU get He's gain 2, output layers LeCun's 1 (nn::Dense::random);
// ids 0-6 number the seven dense layers of the encoder for their Philox streams.
std::unique_ptr<nn::Layer> dense(Index in, Index out, Real gain, std::uint64_t seed, std::uint32_t id) {
  return std::make_unique<nn::Dense>(nn::Dense::random(in, out, gain, seed, id));
}

// Input and output sizes of the dense layers of a network, in order, to check loaded networks.
Index first_in(const nn::Mlp& net) {
  for (std::size_t i = 0; i < net.size(); ++i)
    if (const auto* d = dynamic_cast<const nn::Dense*>(&net.layer(i))) return d->in();
  return -1;
}
Index last_out(const nn::Mlp& net) {
  for (std::size_t i = net.size(); i-- > 0;)
    if (const auto* d = dynamic_cast<const nn::Dense*>(&net.layer(i))) return d->out();
  return -1;
}

// The ELBO estimate from the per-point sums of the draws' values and of their squares over
// `samples` draws, plus q's entropy. Var of point n's mean over draws is s_n²/m, and the points'
// draws are independent, so the SE of the mean over points adds those variances.
ElboEstimate estimate_from_draws(const RowVector& sum, const RowVector& sum2, const RowVector& entropy,
                                 int samples) {
  ElboEstimate e;
  const Real m = Real(samples);
  e.per_point = sum / m + entropy;
  e.mean = e.per_point.mean();
  if (samples > 1) {
    const RowVector var = (sum2 - sum.cwiseAbs2() / m) / (m - 1);
    e.mc_se = std::sqrt((var.array().max(0.0) / m).sum()) / Real(sum.size());
  } else {
    e.mc_se = std::numeric_limits<Real>::quiet_NaN();
  }
  return e;
}

}  // namespace

Svae::Svae(Model model, SvaeArchitecture a, std::uint64_t seed) : model_(std::move(model)) {
  model_.validate();
  require_svae_prior(model_.prior);
  require(a.shared > 0 && a.hidden1 > 0 && a.hidden2 > 0, "the SVAE's hidden layers need at least one unit each.");
  const Index D = model_.D(), K = model_.K();
  shared_.add(dense(D, a.shared, 2, seed, 0)).add(std::make_unique<nn::Relu>());
  mean_.add(dense(a.shared, a.hidden1, 2, seed, 1)).add(std::make_unique<nn::Relu>());
  mean_.add(dense(a.hidden1, a.hidden2, 2, seed, 2)).add(std::make_unique<nn::Relu>());
  mean_.add(dense(a.hidden2, K, 1, seed, 3));
  variance_.add(dense(a.shared, a.hidden1, 2, seed, 4)).add(std::make_unique<nn::Relu>());
  variance_.add(dense(a.hidden1, a.hidden2, 2, seed, 5)).add(std::make_unique<nn::Relu>());
  variance_.add(dense(a.hidden2, K, 1, seed, 6)).add(std::make_unique<nn::Sigmoid>());
  dA_ = Matrix::Zero(D, K);
}

Svae::Svae(Model model, nn::Mlp shared, nn::Mlp mean, nn::Mlp variance)
    : model_(std::move(model)), shared_(std::move(shared)), mean_(std::move(mean)), variance_(std::move(variance)) {
  model_.validate();
  require_svae_prior(model_.prior);
  const Index H = last_out(shared_);
  require(first_in(shared_) == D() && H > 0 && first_in(mean_) == H && first_in(variance_) == H &&
              last_out(mean_) == K() && last_out(variance_) == K(),
          "the encoder's layer sizes do not fit D = " + std::to_string(D()) + " and K = " + std::to_string(K()) +
              "; load an encoder saved with this dictionary.");
  dA_ = Matrix::Zero(D(), K());
}

void Svae::check_data(const Matrix& X) const {
  require(X.rows() == D(), "the data have " + std::to_string(X.rows()) + " features per point but the SVAE has D = " +
                               std::to_string(D()) + "; use data of the model's dimension.");
}

void Svae::encode(const Matrix& X, Matrix& mean, Matrix& variance) const {
  check_data(X);
  nn::Mlp::Trace ts, tm, tv;
  const Matrix& H = shared_.forward(X, ts);
  mean = mean_.forward(H, tm);
  variance = variance_.forward(H, tv);
}

void Svae::draw_noise(const Philox& rng, std::uint64_t step, Index K, Index N, int samples, Matrix& noise) {
  noise.resize(K, N * samples);
  for (int j = 0; j < samples; ++j)
    for (Index n = 0; n < N; ++n)
      rng.normals(Purpose::svae_noise, step, static_cast<std::uint64_t>(n) * samples + j, noise.col(j * N + n).data(), K);
}

void Svae::evaluate(const Matrix& X, const Matrix& Mu, const Matrix& V, const Matrix& noise, int samples,
                    Work& w) const {
  const Index N = X.cols(), D = this->D();
  const Real sigma2 = model_.sigma * model_.sigma;
  w.S = V.cwiseSqrt();
  w.Z.resize(K(), N * samples);
  for (int j = 0; j < samples; ++j)  // z = μ + √v ⊙ n (SVAE eq. 25)
    w.Z.middleCols(j * N, N) = Mu + w.S.cwiseProduct(noise.middleCols(j * N, N));
  // R = x − Φz, one column per draw.
  w.R = X.replicate(1, samples);
  w.R.noalias() -= model_.A * w.Z;
  const Real log_lik0 = -0.5 * Real(D) * std::log(kTwoPi * sigma2);
  // log p(z) = log p(0) − λC(z) for the three priors (C(0) = 0), with the normalizer in log p(0).
  const Real log_p0 = model_.prior.log_density(0.0);
  w.value.resize(N * samples);
  visit_prior(model_.prior, [&](const auto& ops) {
    for (Index c = 0; c < w.Z.cols(); ++c) {
      Real log_prior = 0;
      for (Index k = 0; k < K(); ++k) log_prior += log_p0 - ops.cost(w.Z(k, c));
      w.value(c) = log_lik0 - w.R.col(c).squaredNorm() / (2 * sigma2) + log_prior;
    }
  });
  w.entropy = (0.5 * (kTwoPi * std::numbers::e * V.array()).log()).colwise().sum();
}

ElboEstimate Svae::elbo(const Matrix& X, const Matrix& mean, const Matrix& variance, int samples,
                        std::uint64_t seed) const {
  check_data(X);
  require(samples >= 1, "the ELBO needs at least one draw per data point; pass samples >= 1.");
  require(mean.rows() == K() && variance.rows() == K() && mean.cols() == X.cols() && variance.cols() == X.cols(),
          "q's means and variances must be K x N, one column per data point.");
  require((variance.array() > 0).all() && variance.allFinite() && mean.allFinite(),
          "q's variances must be positive and finite, and its means finite.");
  const Philox rng(seed);
  const Index N = X.cols();
  RowVector sum = RowVector::Zero(N), sum2 = RowVector::Zero(N);
  Work w;
  Matrix noise(K(), N);
  for (int j = 0; j < samples; ++j) {
    for (Index n = 0; n < N; ++n)
      rng.normals(Purpose::svae_noise, static_cast<std::uint64_t>(j), static_cast<std::uint64_t>(n), noise.col(n).data(), K());
    evaluate(X, mean, variance, noise, 1, w);
    sum += w.value;
    sum2 += w.value.cwiseAbs2();
  }
  return estimate_from_draws(sum, sum2, w.entropy, samples);
}

ElboEstimate Svae::elbo(const Matrix& X, int samples, std::uint64_t seed) const {
  check_data(X);
  require(X.cols() > 0, "the ELBO needs at least one data point.");
  require(samples >= 1, "the ELBO needs at least one draw per data point; pass samples >= 1.");
  // Blocks of points, each drawing the noise of its own columns: column n is keyed by n whatever
  // the block, so the result does not depend on the block size.
  const Philox rng(seed);
  const Index N = X.cols();
  RowVector sum = RowVector::Zero(N), sum2 = RowVector::Zero(N), entropy(N);
  Work w;
  Matrix mu, v, noise;
  for (Index first = 0; first < N; first += kEvalBlock) {
    const Index B = std::min(kEvalBlock, N - first);
    const Matrix Xb = X.middleCols(first, B);
    encode(Xb, mu, v);
    noise.resize(K(), B);
    for (int j = 0; j < samples; ++j) {
      for (Index n = 0; n < B; ++n)
        rng.normals(Purpose::svae_noise, static_cast<std::uint64_t>(j), static_cast<std::uint64_t>(first + n),
                    noise.col(n).data(), K());
      evaluate(Xb, mu, v, noise, 1, w);
      sum.segment(first, B) += w.value;
      sum2.segment(first, B) += w.value.cwiseAbs2();
    }
    entropy.segment(first, B) = w.entropy;
  }
  return estimate_from_draws(sum, sum2, entropy, samples);
}

Real Svae::objective(const Matrix& X, const Matrix& noise) const {
  check_data(X);
  const Index N = X.cols();
  require(N > 0 && noise.rows() == K() && noise.cols() % N == 0 && noise.cols() > 0,
          "the noise must be K x (N m), m draws of K normals for each of the N points.");
  const int samples = static_cast<int>(noise.cols() / N);
  Work w;
  const Matrix& H = shared_.forward(X, w.shared);
  const Matrix& Mu = mean_.forward(H, w.mean);
  const Matrix& V = variance_.forward(H, w.variance);
  evaluate(X, Mu, V, noise, samples, w);
  return w.value.sum() / (Real(N) * samples) + w.entropy.mean();
}

Real Svae::gradient(const Matrix& X, const Matrix& noise) {
  check_data(X);
  const Index N = X.cols(), D = this->D();
  require(N > 0 && noise.rows() == K() && noise.cols() % N == 0 && noise.cols() > 0,
          "the noise must be K x (N m), m draws of K normals for each of the N points.");
  const int samples = static_cast<int>(noise.cols() / N);
  Work& w = work_;
  const Matrix& H = shared_.forward(X, w.shared);
  const Matrix& Mu = mean_.forward(H, w.mean);
  const Matrix& V = variance_.forward(H, w.variance);
  evaluate(X, Mu, V, noise, samples, w);
  const Real sigma2 = model_.sigma * model_.sigma;
  const Real m = Real(samples), scale = 1.0 / (Real(N) * m);

  // dL̂/dz = Φᵀ(x − Φz)/σ² + d log p/dz per draw; the loss −mean_n L̂ takes −1/(N m) of it.
  w.GZ.noalias() = model_.A.transpose() * w.R;
  visit_prior(model_.prior, [&](const auto& ops) {
    for (Index c = 0; c < w.GZ.cols(); ++c)
      for (Index k = 0; k < K(); ++k) w.GZ(k, c) = -scale * (w.GZ(k, c) / sigma2 - ops.dcost(w.Z(k, c)));
  });
  // Through z = μ + √v ⊙ n: dz/dμ = 1, dz/dv = n/(2√v); the entropy adds d(−½ log v)/dv per point.
  w.dMu = w.GZ.middleCols(0, N);
  w.dV = w.GZ.middleCols(0, N).cwiseProduct(noise.middleCols(0, N));
  for (int j = 1; j < samples; ++j) {
    w.dMu += w.GZ.middleCols(j * N, N);
    w.dV += w.GZ.middleCols(j * N, N).cwiseProduct(noise.middleCols(j * N, N));
  }
  w.dV = (w.dV.array() / (2 * w.S.array()) - 0.5 / (Real(N) * V.array())).matrix();
  // d(−L̂)/dΦ = −(x − Φz) zᵀ/σ², averaged over draws and points.
  dA_.noalias() = (-scale / sigma2) * (w.R * w.Z.transpose());

  mean_.backward(H, w.mean, w.dMu, &w.dH);
  variance_.backward(H, w.variance, w.dV, &w.dH2);
  w.dH += w.dH2;
  shared_.backward(X, w.shared, w.dH, nullptr);

  last_error_ = w.R.squaredNorm() / (Real(D) * Real(w.R.cols()));
  return w.value.sum() * scale + w.entropy.mean();
}

std::vector<nn::Param> Svae::params() {
  std::vector<nn::Param> out;
  for (nn::Mlp* net : {&shared_, &mean_, &variance_})
    for (const nn::Param& p : net->params()) out.push_back(p);
  out.push_back({model_.A.data(), dA_.data(), model_.A.size()});
  return out;
}

// ---- SvaeLearner ---------------------------------------------------------------------------

SvaeLearner::SvaeLearner(Model model, const BatchSource& source, LearnerOptions options, SvaeOptions svae)
    : Learner(model, source, options),
      svae_(std::move(model), svae.architecture, svae.seed),
      svae_options_(svae),
      rng_(svae.seed),
      params_(svae_.params()),
      adam_(params_, svae.adam) {
  require(svae.samples >= 1, "the SVAE needs at least one draw per data point and step.");
  require(!options_.normalize,
          "the SVAE learns the norms of Phi through the ELBO (q's variance regularizes them, SVAE §2.3); drop --normalize.");
  require(!options_.parameters.any(), "the SVAE keeps sigma and the prior fixed (SVAE §4.2); drop --learn-pi, --learn-sigma and --learn-lambda.");
}

void SvaeLearner::step() {
  source_.batch(step_, options_.batch, X_);
  Svae::draw_noise(rng_, step_, svae_.K(), options_.batch, svae_options_.samples, noise_);
  const Real objective = svae_.gradient(X_, noise_);
  adam_.step(params_);
  require(svae_.model().A.allFinite() && std::isfinite(objective),
          "the SVAE diverged (non-finite values) at step " + std::to_string(step_) + "; lower --lr.");
  model_.A = svae_.model().A;  // the Learner's view of Φ
  Z_ = svae_.last_draws().leftCols(options_.batch);
  stats_.reconstruction_error = svae_.last_reconstruction_error();
  stats_.active_fraction = Real((Z_.array() != 0).count()) / Real(Z_.size());
  stats_.elbo = objective;
  ++step_;
}

LearnerState SvaeLearner::state() const {
  LearnerState s{step_, model_, {}, {}};
  // params_ points into svae_, which this const method only reads.
  const std::size_t encoder = params_.size() - 1;  // the last parameter is Φ, saved in the model
  for (std::size_t i = 0; i < encoder; ++i) s.extra.push_back(Eigen::Map<const Vector>(params_[i].value, params_[i].size));
  for (const Vector& m : adam_.first_moments()) s.extra.push_back(m);
  for (const Vector& v : adam_.second_moments()) s.extra.push_back(v);
  return s;
}

void SvaeLearner::restore(const LearnerState& state) {
  const std::size_t P = params_.size(), encoder = P - 1;
  require(state.extra.size() == encoder + 2 * P,
          "the checkpoint holds no SVAE state matching this run; resume with the settings it was written with.");
  for (std::size_t i = 0; i < encoder; ++i)
    require(state.extra[i].size() == params_[i].size,
            "the checkpoint's encoder does not match this run's layer sizes; resume with the settings it was written with.");
  Learner::restore(state);
  // Write through the parameter pointers, so that Adam's views of the storage stay valid.
  for (std::size_t i = 0; i < encoder; ++i) Eigen::Map<Vector>(params_[i].value, params_[i].size) = state.extra[i];
  Eigen::Map<Matrix>(params_[encoder].value, model_.D(), model_.K()) = model_.A;
  std::vector<Vector> m(state.extra.begin() + encoder, state.extra.begin() + encoder + P);
  std::vector<Vector> v(state.extra.begin() + encoder + P, state.extra.end());
  adam_.restore(state.step, std::move(m), std::move(v));
}

}  // namespace lsc
