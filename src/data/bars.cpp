#include "lsc/data/bars.hpp"

#include <cmath>

#include "lsc/core/error.hpp"
#include "lsc/core/memory.hpp"
#include "lsc/core/rng.hpp"
#include "lsc/prior/prior.hpp"

namespace lsc {

Real BarsOptions::pixel_value() const { return pixel > 0 ? pixel : 1.0 / std::sqrt(Real(size)); }

Matrix bars_dictionary(int size, Real pixel) {
  const Index D = Index(size) * size;
  Matrix A = Matrix::Zero(D, 2 * size);
  for (int b = 0; b < size; ++b)
    for (int i = 0; i < size; ++i) {
      A(Index(i) * size + b, b) = pixel;         // vertical bar: column b
      A(Index(b) * size + i, size + b) = pixel;  // horizontal bar: row b
    }
  return A;
}

BarsSource::BarsSource(BarsOptions options) : options_(options) {
  require(options_.size >= 2, "the bars images need a size of at least 2.");
  Prior::make(PriorKind::l0, options_.lambda, options_.pi);  // validates λ and π
  require(std::isfinite(options_.sigma) && options_.sigma >= 0,
          "sigma must be zero or positive for generated data; pass e.g. --sigma 0.5.");
  require(std::isfinite(options_.pixel) && options_.pixel >= 0,
          "the lit pixels' value must be a positive number; pass e.g. --pixel 1, or leave it out for 1/sqrt(size).");
  const double side = double(options_.size);
  require_memory(8.0 * 2 * side * side * side, "bars of side " + std::to_string(options_.size) + " (D = side^2, K = 2 side)",
                 "use a smaller --size");
  A_ = bars_dictionary(options_.size, options_.pixel_value());
}

void BarsSource::batch(std::uint64_t index, Index n, Matrix& X) const {
  generate(index * static_cast<std::uint64_t>(n), n, X);
}

void BarsSource::batch_columns(std::uint64_t index, Index total, Index first, Index n, Matrix& X) const {
  require(first >= 0 && n >= 0 && first + n <= total, "the columns asked for lie outside the batch.");
  generate(index * static_cast<std::uint64_t>(total) + static_cast<std::uint64_t>(first), n, X);
}

void BarsSource::generate(std::uint64_t first, Index n, Matrix& X, Matrix* S) const {
  const Philox rng(options_.seed);
  const Index K = A_.cols(), D = A_.rows();
  // The images and their coefficients, and a copy of each while a command writes them.
  require_memory(2 * 8.0 * double(n) * double(K + D), std::to_string(n) + " bars images", "generate fewer (--n)");
  Matrix coeff(K, n);
  X.resize(D, n);
  std::vector<Real> z(static_cast<std::size_t>(D)), u(static_cast<std::size_t>(2 * K));
  for (Index j = 0; j < n; ++j) {
    const std::uint64_t point = first + static_cast<std::uint64_t>(j);
    // eq. 3.1: active with probability π, then Exp(λ).
    rng.uniforms(Purpose::data, 0, point, u.data(), 2 * K);
    for (Index k = 0; k < K; ++k)
      coeff(k, j) = u[2 * k] <= options_.pi ? -std::log(u[2 * k + 1]) / options_.lambda : 0.0;
    rng.normals(Purpose::data, 1, point, z.data(), D);
    X.col(j) = A_ * coeff.col(j);
    for (Index d = 0; d < D; ++d) X(d, j) += options_.sigma * z[d];
  }
  if (S) *S = std::move(coeff);
}

}  // namespace lsc
