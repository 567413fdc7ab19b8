#pragma once
// The energy of eq. 2.5 in the u parameterization of eq. 3.5,
//   E(u) = ‖x − A s(u)‖² / (2σ²) + Σ_i cost(u_i),
// and its gradients, for a batch of chains (one chain per column of U and X).
#include "lsc/core/types.hpp"
#include "lsc/model/model.hpp"

namespace lsc {

// One evaluation of the batch energy: everything a step of the dynamics and the dictionary
// update share, so that each matrix product is computed once per step.
struct EnergyEval {
  Matrix S;       // s = f(u), K×N (eq. 3.10)
  Matrix R;       // residual A s − x, D×N
  Matrix G;       // Aᵀ R / σ², K×N: ∂E/∂s of the likelihood term
  Vector energy;  // E per column, when asked for
};

// Fills S, R and G (and the energy per column if with_energy) for the chains U on data X.
void evaluate(const Model& model, const Matrix& U, const Matrix& X, EnergyEval& out,
              bool with_energy = false);

// ∂E/∂u = ds/du ⊙ G + cost'(u) (eq. 3.9 with σ and the sign kept), from an evaluation of U.
void gradient_u(const Model& model, const Matrix& U, const EnergyEval& eval, Matrix& grad);

// ∂E/∂A = (A s − x) sᵀ / σ², summed over the batch (eq. 2.8 with the sign of a gradient of E).
void gradient_A(const Model& model, const EnergyEval& eval, Matrix& grad);

}  // namespace lsc
