#pragma once
// The locally competitive algorithm (Rozell et al. 2008; eq. 2.22-2.24): an internal state u
// follows −∇_s E and s = g(u) is the prior's threshold function,
//   u ← u + η(−u + s + Aᵀ(x − A s)),   s = prox_{σ²λC}(u),
// which is the energy of eq. 2.5 multiplied by σ², so the threshold is λσ² (soft-threshold for
// the Laplace prior, its one-sided form for l1, shrinkage for the Gaussian prior).
#include "lsc/solver/map_solver.hpp"

namespace lsc {

struct LcaOptions {
  int steps = 200;
  Real eta = 0.1;  // Δt/τ of the LCA dynamics; shrunk automatically if unstable
  Real tolerance = 0;  // a block stops once no coefficient in it moves by this much in a step (0: off)
};

class Lca final : public MapSolver {
 public:
  explicit Lca(LcaOptions options = {});
  // S is the warm start; the internal state starts at the u that maps to it.
  void solve(const Model& model, const Matrix& X, Matrix& S) override;

 private:
  LcaOptions options_;
};

}  // namespace lsc
