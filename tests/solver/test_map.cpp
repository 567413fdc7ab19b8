// MAP solvers (proximal gradient with and without acceleration, LCA) and the SSC gradient flow
// against exact answers: the closed-form posterior mean for the Gaussian prior, and the KKT
// conditions of the lasso for the Laplace and nonnegative L1 priors. Deterministic; the
// tolerances are convergence bounds stated where they are used. The random instances were swept
// once over 8 seed offsets (all passing but the Cauchy test, which fails on every instance).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>

#include "../support/gaussian.hpp"
#include "../support/stats.hpp"
#include "lsc/core/error.hpp"
#include "lsc/model/energy.hpp"
#include "lsc/sampler/chain_state.hpp"
#include "lsc/backend/step_engine.hpp"
#include "lsc/solver/lca.hpp"
#include "lsc/solver/proximal_gradient.hpp"

namespace lsc {
namespace {

Real max_abs(const Matrix& M) { return M.cwiseAbs().maxCoeff(); }

// The SSC gradient flow (the engine's gradient_flow sampler, float64, A fixed).
std::unique_ptr<StepEngine> gradient_flow_engine(Real eps) {
  EngineOptions o;
  o.dtype = Dtype::float64;
  o.sampler = SamplerKind::gradient_flow;
  o.eps = eps;
  o.temperature = 0;
  return make_step_engine(o);
}

// S after `steps` steps of the SSC gradient flow from S = 0.
Matrix gradient_flow(const Model& model, const Matrix& X, Real eps, int steps) {
  auto flow = gradient_flow_engine(eps);
  flow->load(model, ChainState::zeros(model.K(), X.cols()));
  flow->set_batch(X);
  flow->run(static_cast<std::uint64_t>(steps));
  Matrix S;
  flow->read_coefficients(S);
  return S;
}

Matrix solve(MapSolver&& solver, const Model& model, const Matrix& X) {
  Matrix S = Matrix::Zero(model.K(), X.cols());
  solver.solve(model, X, S);
  return S;
}

// ---------------------------------------------------------------------------------------------
// Gaussian prior: the MAP is the posterior mean μ = Σ Aᵀx/σ², column by column.

struct GaussianMap {
  Model model{0.5 * test::random_normal(4, 3, 1), 0.5, Prior::make(PriorKind::gaussian, 1.0)};
  Matrix X = test::random_normal(4, 10, 2);
  Matrix exact = test::gaussian_posterior(model, Vector::Zero(4)).Sigma * model.A.transpose() * X /
                 (model.sigma * model.sigma);
};

// Every solver below is a linear iteration e ← M e on the error, contracting by ρ < 0.98 per
// step here, so 3000 steps leave ρ^3000·|μ| < 1e-20: 1e-10 is a rounding-level tolerance.
constexpr Real kGaussianTol = 1e-10;
constexpr int kGaussianSteps = 3000;

TEST(MapGaussian, ProximalGradientReachesThePosteriorMean) {
  test::ScopedThreads one(1);
  const GaussianMap g;
  for (bool accelerated : {false, true}) {
    SCOPED_TRACE(accelerated ? "FISTA" : "ISTA");
    // ISTA with t = 1/L contracts by max_p (1 − t p)/(1 + tλ) over the eigenvalues p of AᵀA/σ².
    ProximalGradient pg({kGaussianSteps, 1.0, accelerated, 0});
    EXPECT_LT(max_abs(solve(std::move(pg), g.model, g.X) - g.exact), kGaussianTol);
  }
  // With a tolerance the solver stops early, having moved by less than it in its last step.
  ProximalGradient early({100000, 1.0, false, 1e-13});
  Matrix S = Matrix::Zero(3, 10);
  early.solve(g.model, g.X, S);
  EXPECT_LT(early.steps_taken(), 100000);
  EXPECT_LT(max_abs(S - g.exact), 1e-11);
}

TEST(MapGaussian, LcaStopsAtItsTolerance) {
  test::ScopedThreads one(1);
  const GaussianMap g;
  // A step budget no test could wait for: only the tolerance can end this solve. The error left
  // is at most the last step over (1 − ρ) = 1e-13 / 0.024.
  EXPECT_LT(max_abs(solve(Lca({1 << 30, 0.1, 1e-13}), g.model, g.X) - g.exact), 1e-11);
}

TEST(MapGaussian, LcaReachesThePosteriorMean) {
  test::ScopedThreads one(1);
  const GaussianMap g;
  // LCA's u-iteration contracts by 1 − η·min eig((1 − c)I + c AᵀA), c = 1/(1 + σ²λ): 0.976 here.
  EXPECT_LT(max_abs(solve(Lca({kGaussianSteps, 0.1}), g.model, g.X) - g.exact), kGaussianTol);
}

TEST(MapGaussian, GradientFlowReachesThePosteriorMean) {
  test::ScopedThreads one(1);
  const GaussianMap g;
  const Real L = lipschitz_constant(g.model);
  EXPECT_LT(max_abs(gradient_flow(g.model, g.X, 0.5 / L, 2 * kGaussianSteps) - g.exact),
            kGaussianTol);
}

// ---------------------------------------------------------------------------------------------
// Laplace and nonnegative L1 priors: E(s) = ‖x − As‖²/(2σ²) + λ Σ|s_k| (with s ≥ 0 for l1).
// With g = Aᵀ(x − As)/σ² = −∇(the smooth part), 0 ∈ −g + λ ∂|s| gives
//   laplace: g_k = λ sign(s_k) where s_k ≠ 0, |g_k| ≤ λ where s_k = 0;
//   l1:      g_k = λ where s_k > 0,          g_k ≤ λ where s_k = 0, and s ≥ 0.

struct SparseMap {
  Model model;
  Matrix X;
  // Overcomplete (K = 10 > D), unit-norm columns, data from 2-sparse codes plus noise. The
  // default D = 6 takes the solvers' Gram form of Aᵀ(x − As), D = 4 (K ≥ 2D) the direct form.
  explicit SparseMap(PriorKind kind, Index D = 6) {
    Matrix A = test::random_normal(D, 10, 3);
    normalize_columns(A);
    Matrix S = Matrix::Zero(10, 40);
    const Matrix r = test::random_normal(2, 40, 4);
    for (Index j = 0; j < 40; ++j) {
      S((3 * j) % 10, j) = 1 + std::abs(r(0, j));
      S((7 * j + 1) % 10, j) = kind == PriorKind::l1 ? 0.5 + std::abs(r(1, j)) : r(1, j);
    }
    X = A * S + 0.1 * test::random_normal(D, 40, 5);
    model = Model{A, 0.5, Prior::make(kind, 2.0)};
  }
};

// Lasso iterations converge linearly once the support is found, at a rate set by the
// conditioning of the active columns. Measured over 8 random instances like this one, the
// relative KKT residual falls below 1e-14, and the solvers agree to 1e-14, by 8000 steps of
// FISTA and ISTA, 16000 of the flow at half the step and 32000 of LCA (seed 3 here: 2000, 4000,
// 8000); the tests run those counts, so tolerances of 1e-9 hold with a 1e5 margin while a wrong
// threshold or sign misses them at O(1).
constexpr Real kKktTol = 1e-9;

void expect_kkt(const SparseMap& c, const Matrix& S) {
  const Real lambda = c.model.prior.lambda, var = c.model.sigma * c.model.sigma;
  const Matrix g = c.model.A.transpose() * (c.X - c.model.A * S) / var;
  Index zeros = 0;
  for (Index j = 0; j < S.cols(); ++j)
    for (Index k = 0; k < S.rows(); ++k) {
      const Real s = S(k, j);
      if (s == 0) {
        ++zeros;
        const Real bound = c.model.prior.kind == PriorKind::l1 ? g(k, j) : std::abs(g(k, j));
        EXPECT_LE(bound, lambda * (1 + kKktTol)) << "(" << k << ", " << j << ")";
      } else {
        EXPECT_TRUE(s > 0 || c.model.prior.kind == PriorKind::laplace) << "negative l1 code";
        EXPECT_NEAR(g(k, j), s > 0 ? lambda : -lambda, lambda * kKktTol)
            << "(" << k << ", " << j << ")";
      }
    }
  // Both regimes occur, so both halves of the conditions are exercised.
  EXPECT_GT(zeros, S.size() / 4);
  EXPECT_LT(zeros, S.size() * 9 / 10);
}

TEST(MapSparse, SolversSatisfyKktAndAgree) {
  test::ScopedThreads one(1);
  for (auto [kind, D] : {std::pair{PriorKind::laplace, 6}, {PriorKind::l1, 6}, {PriorKind::laplace, 4}}) {
    const SparseMap c(kind, D);
    SCOPED_TRACE(c.model.prior.name() + ", D = " + std::to_string(D));
    const Matrix fista = solve(ProximalGradient({8000, 1.0, true, 0}), c.model, c.X);
    const Matrix ista = solve(ProximalGradient({8000, 1.0, false, 0}), c.model, c.X);
    const Matrix lca = solve(Lca({32000, 0.1}), c.model, c.X);
    const Matrix flow = gradient_flow(c.model, c.X, 0.5 / lipschitz_constant(c.model), 16000);
    for (const Matrix* S : {&fista, &ista, &lca, &flow}) expect_kkt(c, *S);
    // The lasso with A in general position has a unique minimizer: all solvers find it.
    EXPECT_LT(max_abs(ista - fista), 1e-9);
    EXPECT_LT(max_abs(lca - fista), 1e-9);
    EXPECT_LT(max_abs(flow - fista), 1e-9);
  }
}

TEST(MapSparse, BlocksOfColumnsAreSolvedAloneAndAlikeOnAnyThreadCount) {
  // 2000 columns are several blocks (src/solver/column_blocks.hpp), each iterated on its own.
  // Every column must end where it ends when solved with its first 40 neighbours only, and the
  // result must not depend on how the blocks are shared among threads.
  const SparseMap c(PriorKind::laplace);
  Matrix X(c.X.rows(), 2000);
  for (Index j = 0; j < X.cols(); ++j) X.col(j) = c.X.col(j % c.X.cols());
  for (bool fista : {true, false}) {
    SCOPED_TRACE(fista ? "FISTA" : "LCA");
    auto run = [&](const Matrix& data, int threads) {
      test::ScopedThreads scoped(threads);
      // Equal step counts do the same arithmetic on a column wherever it lies, so the answers
      // agree to rounding whether or not the steps suffice to converge.
      if (fista) return solve(ProximalGradient({500, 1.0, true, 0}), c.model, data);
      return solve(Lca({2000, 0.1}), c.model, data);
    };
    const Matrix alone = run(c.X, 1), one = run(X, 1), two = run(X, 2);
    EXPECT_EQ(max_abs(one - two), 0.0);
    for (Index j = 0; j < X.cols(); ++j) EXPECT_LT(max_abs(one.col(j) - alone.col(j % c.X.cols())), 1e-12) << j;
  }
}

// FAILS (reported, library code): CauchyOps::prox(v, t) = v − t·C'(v) takes the cost's gradient
// step at the forward point v = s − tG, so the iteration s ← s − tG(s) − tC'(s − tG(s)) stops
// where G(s) + C'(s − tG(s)) = 0, not where ∇E = G(s) + C'(s) = 0: |∇E| ≈ t at the fixed point
// (0.145 at the default t = 1/L, 0.069 at t = 0.5/L). The SSC gradient flow shares the prox.
TEST(MapCauchy, ProximalGradientAndGradientFlowReachAStationaryPoint) {
  test::ScopedThreads one(1);
  // The Cauchy cost is not convex and has no threshold; the solvers must still stop where
  // ∇E = Aᵀ(As − x)/σ² + 2λ s/(1 + s²) = 0. Gradient descent with t = 0.5/L < 2/(L + 2λ)
  // converges linearly to such a point; after 5000 steps |∇E| is rounding-level.
  const Model model{0.5 * test::random_normal(4, 3, 1), 0.5, Prior::make(PriorKind::cauchy, 1.0)};
  const Matrix X = test::random_normal(4, 10, 2);
  const auto grad_E = [&](const Matrix& S) -> Matrix {
    return model.A.transpose() * (model.A * S - X) / (model.sigma * model.sigma) +
           S.unaryExpr([](Real s) { return 2 * s / (1 + s * s); });
  };
  EXPECT_LT(max_abs(grad_E(solve(ProximalGradient({5000, 0.5, false, 0}), model, X))), 1e-9);
  EXPECT_LT(max_abs(grad_E(gradient_flow(model, X, 0.5 / lipschitz_constant(model), 5000))),
            1e-9);
}

TEST(MapSolvers, RejectThePriorsTheyCannotHandle) {
  const Matrix A = test::random_normal(4, 3, 1), X = test::random_normal(4, 5, 2);
  const Model l0{A, 0.5, Prior::make(PriorKind::l0, 1.0, 0.3)};
  Matrix S = Matrix::Zero(3, 5);
  // The spike-and-slab posterior always peaks at s = 0: no MAP method may run on it.
  EXPECT_THROW(ProximalGradient().solve(l0, X, S), Error);
  EXPECT_THROW(Lca().solve(l0, X, S), Error);
  EXPECT_THROW(gradient_flow_engine(0.1)->load(l0, ChainState::zeros(3, 5)), Error);
  // LCA needs a threshold function, which the non-convex Cauchy cost lacks.
  EXPECT_THROW(Lca().solve(Model{A, 0.5, Prior::make(PriorKind::cauchy, 1.0)}, X, S), Error);
  EXPECT_THROW(gradient_flow_engine(0.0), Error);
}

}  // namespace
}  // namespace lsc
