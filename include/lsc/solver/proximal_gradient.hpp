#pragma once
// Gradient descent on E for the MAP estimate (eq. 2.13-2.14, the DSC inner loop), written as
// proximal gradient descent so that the L1 cost's kink at zero gives exact zeros:
//   S ← prox_{t λC}(S − t Aᵀ(AS − X)/σ²),   t = step_scale / L,  L = max eig(AᵀA)/σ².
// With `accelerated` the same steps take Nesterov momentum (FISTA), which reaches the same
// minimum in far fewer steps. Columns are solved in fixed blocks (src/solver/column_blocks.hpp),
// each with its own momentum and stopping test, one block per thread at a time.
#include "lsc/solver/map_solver.hpp"

namespace lsc {

struct ProximalGradientOptions {
  int steps = 100;
  Real step_scale = 1.0;  // fraction of the largest stable step 1/L
  bool accelerated = true;
  Real tolerance = 0;  // a block stops once no coefficient in it moves by this much in a step (0: off)
};

class ProximalGradient final : public MapSolver {
 public:
  explicit ProximalGradient(ProximalGradientOptions options = {});
  void solve(const Model& model, const Matrix& X, Matrix& S) override;
  int steps_taken() const { return steps_taken_; }  // by the slowest block of the last solve

 private:
  ProximalGradientOptions options_;
  int steps_taken_ = 0;
};

}  // namespace lsc
