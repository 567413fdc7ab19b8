#pragma once
// MAP estimates of the coefficients, s* = argmin_s E(A, s, x) (eq. 2.12): the inner loop of
// DSC (Alg. 1) and LCA (eq. 2.22-2.24). These are the baselines that LSC replaces.
#include "lsc/model/model.hpp"

namespace lsc {

class MapSolver {
 public:
  virtual ~MapSolver() = default;
  // Improves S (K×N, the warm start) toward the MAP estimate for data X (D×N).
  virtual void solve(const Model& model, const Matrix& X, Matrix& S) = 0;
};

// Throws Error unless the prior has a meaningful MAP estimate (not l0).
void require_map_prior(const Prior& prior, const char* method);

}  // namespace lsc
