#pragma once
// The linear generative model x = A s + n, n ~ N(0, σ² I), s ~ prior (eq. 2.1-2.3).
#include <cstdint>

#include "lsc/core/types.hpp"
#include "lsc/prior/prior.hpp"

namespace lsc {

struct Model {
  Matrix A;  // dictionary, D×K, one element per column
  Real sigma = 0.5;
  Prior prior;

  Index D() const { return A.rows(); }
  Index K() const { return A.cols(); }
  // Throws Error unless A is non-empty and finite and σ > 0.
  void validate() const;
};

// Largest eigenvalue of AᵀA / σ²: the stiffness that bounds stable step sizes of the
// explicit dynamics (Euler is stable for eps·L < 2) and sets the proximal step 1/L.
Real lipschitz_constant(const Model& model);

// A D×K dictionary of independent N(0, 1/D) entries (columns of about unit norm), from the seed.
Matrix random_dictionary(Index D, Index K, std::uint64_t seed);

// Scales every column of A to unit norm (eq. 2.15); columns of zero norm are left at zero.
void normalize_columns(Matrix& A);

}  // namespace lsc
