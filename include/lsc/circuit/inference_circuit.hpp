#pragma once
// The inference circuit of the Langevin paper's appendices C-D, as a SPICE netlist (docs/circuit.md).
// Every variable is a voltage: V(u_k) = α·u_k on the capacitor of an integrator with time
// constant τ_u = R·C, V(s_k) = α·s(u_k) from a nonlinearity, and the integrator's input current
// is eq. 3.9 in continuous time,
//   τ_u du_k/dt = −s'(u_k)·g_k/σ² − C'(u_k) + √(2Tτ_u)·ξ_k(t),   g = AᵀA s − Aᵀx,
// with AᵀA and Aᵀx as the conductances of the paper's multiplier grids (behavioural sources here:
// the ideal multipliers of app. C.A) and ξ a noise current source per coefficient.
//
// The kinks of the l1/l0 priors (|u|, max) are smoothed, so that the simulator's step control
// sees differentiable sources: |u| → √(u² + δ) − √δ and max(z, 0) → (z + √(z² + δ))/2. The
// circuit then samples exp(−E_δ(u)/T) of the smoothed energy, E_δ → E as δ → 0; the tests compare
// it with quadrature of E_δ itself.
#include <cstdint>
#include <string>
#include <vector>

#include "lsc/model/model.hpp"

namespace lsc::circuit {

// The noise current of each integrator (docs/circuit.md; computed by noise_current.hpp). All but
// `none` and `pink` have the same low-frequency power spectral density, 2Tα²C²/τ_u, which sets the
// Langevin temperature T:
//   white      Gaussian samples every noise_step, linearly interpolated
//   uniform    uniform amplitudes held for noise_step, same variance: non-Gaussian
//   two_level  ±a held for noise_step, same variance: the most non-Gaussian white noise
//   telegraph  random telegraph noise ±b, mean dwell `noise_correlation` in each level:
//              coloured, correlation time noise_correlation / 2
//   pink       1/f noise between 1/(2π noise_correlation) and 1/(2π noise_step), whose density
//              equals the white noise's at ω = 1/τ_u (it has no low-frequency limit)
enum class Noise { none, white, uniform, two_level, telegraph, pink };
Noise noise_from_name(const std::string& name);
std::string name_of(Noise noise);
std::vector<std::string> noise_names();

// The multipliers of the coupling g = Aᵀ(A s − x) (app. C.A):
//   ideal    behavioural sources with AᵀA and Aᵀx precomputed as conductances
//   gilbert  2·D·K transistor-level Gilbert cells (gilbert_cell.hpp): D rows form r = A s − x,
//            K rows form g = Aᵀr, with A held on their inputs as voltages (inference only)
enum class Multiplier { ideal, gilbert };
Multiplier multiplier_from_name(const std::string& name);
std::vector<std::string> multiplier_names();

struct CircuitOptions {
  Real tau_u = 1e-3;         // s, R·C of each coefficient integrator
  Real capacitance = 1e-9;   // F (R = τ_u / C: 1 MΩ at the defaults)
  Real volts = 0.1;          // α, volts per unit of u and s
  Real temperature = 1;      // T of eq. 2.27
  Noise noise = Noise::white;
  Real noise_step = 0;       // s between the noise source's samples (0: τ_u / (100·κ_max))
  Real noise_correlation = 0;  // s, telegraph: mean dwell in each level (0: noise_step);
                               // pink: longest correlation time (0: duration)
  Real smoothing = 0.01;     // δ (in units of u²)
  Multiplier multiplier = Multiplier::ideal;
  Real duration = 100e-3;    // s simulated
  Real sample_step = 0;      // s between output points (0: τ_u / 10)
  std::uint64_t seed = 0;
  Vector u_start;            // u at t = 0 (K); empty: zeros
};

// The fastest relaxation rate of the linearized dynamics, in units of 1/τ_u: max eig(AᵀA)/σ²
// plus the prior's largest curvature (λ for the Gaussian prior, λ/√δ at the smoothed kink).
Real fastest_rate(const Model& model, Real smoothing);

// The simulator's largest time step: `noiseless` without noise, else one that resolves the noise.
double noise_step_limit(const Model& model, const CircuitOptions& options, double noiseless);

// A number for a netlist with all its digits (std::to_string writes 1 nF as "0.000000").
std::string spice_number(double v);

// The time between noise samples: options.noise_step, or τ_u / (100·κ_max).
double noise_step(const Model& model, const CircuitOptions& options);

// The prior's part of a netlist, shared by the inference and learning circuits: appends the
// .func lines of s(u) (`sf`) and of the smoothed kinks to `net`, and returns the integrator's drift
// τ du/dt without noise as an expression in U (u) and G (g = Aᵀ(A s − x)), to be substituted.
std::string prior_functions(const Model& model, Real smoothing, std::vector<std::string>& net);

// `expression` with every U and G replaced by `u` and `g` (prior_functions' placeholders).
std::string substitute(std::string expression, const std::string& u, const std::string& g);

// The netlist for data point x (D): one integrator per coefficient, the nonlinearity's outputs
// s_k as nodes, the noise sources, and a .tran line over options.duration.
std::vector<std::string> inference_netlist(const Model& model, const Vector& x, const CircuitOptions& options);

struct CircuitTrace {
  std::vector<double> time;  // s, on the grid of options.sample_step
  Matrix U;                  // K × time.size(): u = V(u)/α
  Matrix S;                  // K × time.size(): s = V(s)/α (the smoothed nonlinearity's output)
  double wall_s = 0;         // seconds the simulation took
};

// Builds and runs the netlist through libngspice (ngspice.hpp).
CircuitTrace simulate_inference(const Model& model, const Vector& x, const CircuitOptions& options);

// The equations' own noiseless solution s(t) at `times` (K × times.size()), from the circuit's
// start: lsc's engine at T = 0 (SSC's gradient flow for l1, eq. 3.9's Euler steps otherwise,
// exact kinks) with steps of 1e-4 τ_u. What the paper's Fig. 13 draws the circuit against.
Matrix equation_solution(const Model& model, const Vector& x, const CircuitOptions& options,
                         const std::vector<double>& times);

}  // namespace lsc::circuit
