#include "lsc/eval/gabor_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "lsc/core/error.hpp"

namespace lsc {

namespace {

using Params = Eigen::Matrix<Real, GaborParams::kCount, 1>;
using Normal = Eigen::Matrix<Real, GaborParams::kCount, GaborParams::kCount>;
constexpr Real kTwoPi = 2 * std::numbers::pi;
constexpr Real kInf = std::numeric_limits<Real>::infinity();
enum : int { kX0, kY0, kTheta, kFreq, kPhase, kSigmaX, kSigmaY, kAmp };

Params to_vector(const GaborParams& p) {
  Params v;
  v << p.x0, p.y0, p.theta, p.frequency, p.phase, p.sigma_x, p.sigma_y, p.amplitude;
  return v;
}

GaborParams from_vector(const Params& v) {
  return {v(kX0), v(kY0), v(kTheta), v(kFreq), v(kPhase), v(kSigmaX), v(kSigmaY), v(kAmp)};
}

// The model and, when J is given, its Jacobian (docs in the header). For pixel (x, y), with
// E the envelope, ψ = 2π f x' + φ and G' = ∂g/∂x', G'' = ∂g/∂y':
//   ∂x'/∂x0 = −cos θ, ∂y'/∂x0 = sin θ; ∂x'/∂y0 = −sin θ, ∂y'/∂y0 = −cos θ; ∂x'/∂θ = y', ∂y'/∂θ = −x'.
void evaluate(const Params& v, Index rows, Index cols, Vector& g, Matrix* J) {
  const Real c = std::cos(v(kTheta)), s = std::sin(v(kTheta));
  const Real f = v(kFreq), phi = v(kPhase), sx = v(kSigmaX), sy = v(kSigmaY), a = v(kAmp);
  const Real isx2 = 1 / (sx * sx), isy2 = 1 / (sy * sy);
  g.resize(rows * cols);
  if (J) J->resize(rows * cols, GaborParams::kCount);
  for (Index r = 0; r < rows; ++r)
    for (Index q = 0; q < cols; ++q) {
      const Index i = r * cols + q;
      const Real dx = Real(q) - v(kX0), dy = Real(r) - v(kY0);
      const Real xp = dx * c + dy * s, yp = -dx * s + dy * c;
      const Real E = std::exp(-0.5 * (xp * xp * isx2 + yp * yp * isy2));
      const Real psi = kTwoPi * f * xp + phi;
      const Real cp = std::cos(psi), sp = std::sin(psi);
      g(i) = a * E * cp;
      if (!J) continue;
      const Real aE = a * E;
      const Real gx = aE * (-xp * isx2 * cp - kTwoPi * f * sp);  // ∂g/∂x'
      const Real gy = aE * (-yp * isy2 * cp);                    // ∂g/∂y'
      auto row = J->row(i);
      row(kX0) = -c * gx + s * gy;
      row(kY0) = -s * gx - c * gy;
      row(kTheta) = yp * gx - xp * gy;
      row(kFreq) = -aE * sp * kTwoPi * xp;
      row(kPhase) = -aE * sp;
      row(kSigmaX) = aE * cp * xp * xp * isx2 / sx;
      row(kSigmaY) = aE * cp * yp * yp * isy2 / sy;
      row(kAmp) = E * cp;
    }
}

struct Box {
  Params lo, hi;
  Params clamp(const Params& v) const { return v.cwiseMax(lo).cwiseMin(hi); }
};

Box bounds(Index rows, Index cols) {
  const Real p = Real(std::max(rows, cols)), margin = p / 4;
  Box b;
  b.lo << -margin, -margin, -kInf, 0.0, -kInf, 0.5, 0.5, -kInf;
  b.hi << Real(cols - 1) + margin, Real(rows - 1) + margin, kInf, 0.5, kInf, 2 * p, 2 * p, kInf;
  return b;
}

// Amplitude and phase are linear given the rest: a cos(ψ0 + φ) = c1 cos ψ0 + c2 sin ψ0 with
// c1 = a cos φ, c2 = −a sin φ; solved by the 2×2 normal equations (a tiny ridge for f = 0,
// where the sine basis vanishes).
void linear_amplitude_phase(Params& v, const Vector& e, Index rows, Index cols) {
  Params unit = v;
  unit(kAmp) = 1;
  unit(kPhase) = 0;
  Vector b1, b2;
  evaluate(unit, rows, cols, b1, nullptr);
  unit(kPhase) = -std::numbers::pi / 2;  // cos(ψ0 − π/2) = sin ψ0
  evaluate(unit, rows, cols, b2, nullptr);
  Eigen::Matrix2d M;
  M << b1.squaredNorm(), b1.dot(b2), b1.dot(b2), b2.squaredNorm();
  M.diagonal().array() += 1e-12 * (M.trace() + 1e-300);
  const Eigen::Vector2d cc = M.ldlt().solve(Eigen::Vector2d(b1.dot(e), b2.dot(e)));
  v(kAmp) = std::hypot(cc(0), cc(1));
  v(kPhase) = std::atan2(-cc(1), cc(0));
}

// Projected Levenberg-Marquardt (Marquardt's scaling by diag JᵀJ): steps are clamped to the box
// and kept only when they lower the SSE.
Real levenberg_marquardt(Params& v, const Vector& e, Index rows, Index cols, const Box& box,
                         const GaborFitOptions& o) {
  Vector g, r;
  Matrix J;
  evaluate(v, rows, cols, g, nullptr);
  Real sse = (g - e).squaredNorm();
  Real mu = 1e-3;
  for (int it = 0; it < o.max_iterations; ++it) {
    evaluate(v, rows, cols, g, &J);
    r = g - e;
    // Lazy products: at 8 columns a BLAS call costs more than the arithmetic.
    const Normal JtJ = J.transpose().lazyProduct(J);
    const Params Jtr = J.transpose().lazyProduct(r);
    const Real floor = 1e-12 * std::max(JtJ.diagonal().maxCoeff(), Real(1e-300));
    bool accepted = false;
    Real sse_trial = sse;
    Params trial;
    while (mu < 1e12) {
      Normal M = JtJ;
      M.diagonal() += mu * JtJ.diagonal().cwiseMax(floor);
      trial = box.clamp(v - M.ldlt().solve(Jtr));
      evaluate(trial, rows, cols, g, nullptr);
      sse_trial = (g - e).squaredNorm();
      if (std::isfinite(sse_trial) && sse_trial < sse) {
        accepted = true;
        mu = std::max(mu / 3, Real(1e-12));
        break;
      }
      mu *= 4;
    }
    if (!accepted) break;
    const Real gain = (sse - sse_trial) / std::max(sse, Real(1e-300));
    v = trial;
    sse = sse_trial;
    if (gain < o.tolerance) break;
  }
  return sse;
}

// Local maxima of the zero-padded power spectrum in the half plane (fy > 0, or fy = 0 and fx ≥ 0),
// strongest first, as (fx, fy) in cycles per pixel.
std::vector<std::pair<Real, Real>> spectral_peaks(const Vector& e, Index rows, Index cols, int P, int count) {
  std::vector<Real> cs(P), sn(P);
  for (int k = 0; k < P; ++k) {
    cs[k] = std::cos(kTwoPi * k / P);
    sn[k] = std::sin(kTwoPi * k / P);
  }
  // Along the columns first: F1(r, kx) = Σ_c e(r, c) exp(−2πi kx c / P).
  Matrix re1 = Matrix::Zero(rows, P), im1 = Matrix::Zero(rows, P);
  for (Index r = 0; r < rows; ++r)
    for (int kx = 0; kx < P; ++kx)
      for (Index q = 0; q < cols; ++q) {
        const int t = int((Index(kx) * q) % P);
        re1(r, kx) += e(r * cols + q) * cs[t];
        im1(r, kx) -= e(r * cols + q) * sn[t];
      }
  Matrix power(P, P);  // (ky, kx)
  for (int ky = 0; ky < P; ++ky)
    for (int kx = 0; kx < P; ++kx) {
      Real re = 0, im = 0;
      for (Index r = 0; r < rows; ++r) {
        const int t = int((Index(ky) * r) % P);
        re += re1(r, kx) * cs[t] + im1(r, kx) * sn[t];
        im += im1(r, kx) * cs[t] - re1(r, kx) * sn[t];
      }
      power(ky, kx) = re * re + im * im;
    }
  struct Peak {
    Real power, fx, fy;
  };
  std::vector<Peak> peaks;
  const auto signed_k = [P](int k) { return k <= P / 2 ? k : k - P; };
  for (int ky = 0; ky < P; ++ky)
    for (int kx = 0; kx < P; ++kx) {
      const int sy = signed_k(ky), sx = signed_k(kx);
      if (sy < 0 || (sy == 0 && sx < 0) || (2 * sy == P && sx < 0)) continue;
      const Real v = power(ky, kx);
      bool is_max = v > 0;
      for (int dy = -1; dy <= 1 && is_max; ++dy)
        for (int dx = -1; dx <= 1 && is_max; ++dx)
          if ((dy || dx) && power((ky + dy + P) % P, (kx + dx + P) % P) > v) is_max = false;
      if (is_max) peaks.push_back({v, Real(sx) / P, Real(sy) / P});
    }
  std::stable_sort(peaks.begin(), peaks.end(), [](const Peak& a, const Peak& b) { return a.power > b.power; });
  std::vector<std::pair<Real, Real>> out;
  for (const Peak& p : peaks) {
    if (int(out.size()) >= count) break;
    out.emplace_back(p.fx, p.fy);
  }
  if (out.empty()) out.emplace_back(0.0, 0.0);
  return out;
}

// Start positions: the centroid of e², and the argmax of e² smoothed by a Gaussian of 1 pixel
// (the latter alone when they are within half a pixel).
std::vector<std::pair<Real, Real>> start_positions(const Vector& e, Index rows, Index cols) {
  const Vector w = e.array().square();
  const Real total = w.sum();
  Real cx = 0, cy = 0;
  for (Index r = 0; r < rows; ++r)
    for (Index q = 0; q < cols; ++q) {
      cx += w(r * cols + q) * Real(q);
      cy += w(r * cols + q) * Real(r);
    }
  cx /= total;
  cy /= total;
  Real best = -1, bx = 0, by = 0;
  for (Index r = 0; r < rows; ++r)
    for (Index q = 0; q < cols; ++q) {
      Real s = 0;
      for (Index rr = std::max<Index>(0, r - 3); rr <= std::min(rows - 1, r + 3); ++rr)
        for (Index qq = std::max<Index>(0, q - 3); qq <= std::min(cols - 1, q + 3); ++qq)
          s += w(rr * cols + qq) * std::exp(-0.5 * Real((rr - r) * (rr - r) + (qq - q) * (qq - q)));
      if (s > best) {
        best = s;
        bx = Real(q);
        by = Real(r);
      }
    }
  std::vector<std::pair<Real, Real>> out{{cx, cy}};
  if (std::hypot(bx - cx, by - cy) >= 0.5) out.emplace_back(bx, by);
  return out;
}

Real wrap_angle(Real a) {  // to (−π, π]
  a = std::remainder(a, kTwoPi);
  return a <= -std::numbers::pi ? a + kTwoPi : a;
}

// a ≥ 0 (a → −a is φ → φ + π), θ in [0, π) (θ → θ + π is φ → −φ: x' and y' change sign and the
// envelope is even), φ in (−π, π].
GaborParams normalized(GaborParams p) {
  if (p.amplitude < 0) {
    p.amplitude = -p.amplitude;
    p.phase += std::numbers::pi;
  }
  Real turns = std::floor(p.theta / std::numbers::pi);
  p.theta -= turns * std::numbers::pi;
  if (p.theta >= std::numbers::pi) {  // rounding of a θ just below a multiple of π
    p.theta = 0;
    turns += 1;
  } else if (p.theta < 0) {
    p.theta = 0;
  }
  if (std::fmod(std::abs(turns), 2.0) == 1.0) p.phase = -p.phase;
  p.phase = wrap_angle(p.phase);
  return p;
}

}  // namespace

Vector gabor_image(const GaborParams& p, Index rows, Index cols) {
  Vector g;
  evaluate(to_vector(p), rows, cols, g, nullptr);
  return g;
}

Matrix gabor_jacobian(const GaborParams& p, Index rows, Index cols) {
  Vector g;
  Matrix J;
  evaluate(to_vector(p), rows, cols, g, &J);
  return J;
}

GaborFit fit_gabor(const Eigen::Ref<const Vector>& element, Index rows, Index cols, const GaborFitOptions& o) {
  require(rows > 0 && cols > 0 && element.size() == rows * cols,
          "a Gabor fit needs an element of patch_rows x patch_cols = " + std::to_string(rows * cols) +
              " values, got " + std::to_string(element.size()) + "; pass the patch shape of the dictionary.");
  require(element.allFinite(), "a dictionary element holds NaN or infinity; re-create the run.");
  const Vector e = element;
  GaborFit fit;
  const Real variance = (e.array() - e.mean()).square().sum();
  if (!(variance > 0) || e.squaredNorm() == 0) {  // nothing to fit: R² is 0 by convention
    fit.sse = e.squaredNorm();
    fit.params.amplitude = 0;
    return fit;
  }
  const Box box = bounds(rows, cols);
  const Real p = Real(std::max(rows, cols));
  const int P = std::max<int>(o.padded_size, int(4 * std::max(rows, cols)));
  const auto carriers = spectral_peaks(e, rows, cols, P, std::max(1, o.spectral_peaks));
  const auto positions = start_positions(e, rows, cols);
  const Real widths[] = {0.1 * p, 0.2 * p, 0.35 * p};

  Real best = kInf;
  Params best_v = Params::Zero();
  for (const auto& [fx, fy] : carriers)
    for (const auto& [x0, y0] : positions)
      for (Real w : widths) {
        Params v;
        v << x0, y0, std::atan2(fy, fx), std::hypot(fx, fy), 0.0, w, w, 1.0;
        v = box.clamp(v);
        linear_amplitude_phase(v, e, rows, cols);
        const Real sse = levenberg_marquardt(v, e, rows, cols, box, o);
        ++fit.starts;
        if (sse < best) {  // strict: the first of equal starts wins, so the result is deterministic
          best = sse;
          best_v = v;
        }
      }
  fit.params = normalized(from_vector(best_v));
  fit.sse = best;
  fit.r2 = 1 - best / variance;
  return fit;
}

}  // namespace lsc
