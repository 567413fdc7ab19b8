#include "lsc/circuit/inference_circuit.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include <Eigen/Eigenvalues>

#include "lsc/backend/step_engine.hpp"
#include "lsc/circuit/gilbert_cell.hpp"
#include "lsc/circuit/ngspice.hpp"
#include "lsc/circuit/noise_current.hpp"
#include "lsc/core/error.hpp"

namespace lsc::circuit {

std::string spice_number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

namespace {

const auto num = spice_number;

bool smooth_prior(PriorKind kind) { return kind == PriorKind::l0 || kind == PriorKind::l1; }

// The L1 circuit's clamp at s = 0, in units of 1/τ_u: a held coefficient sits at −(drive)/1000.
constexpr double kClampRate = 1000;

}  // namespace

std::string prior_functions(const Model& model, Real smoothing, std::vector<std::string>& net) {
  const PriorKind kind = model.prior.kind;
  const double inv_var = 1.0 / (model.sigma * model.sigma), lambda = model.prior.lambda;
  // The smoothed kinks (header): a(u) ≈ |u|, m(z) ≈ max(z, 0) (m(0) = 0), and their derivatives.
  const std::string d = num(smoothing), sd = num(std::sqrt(smoothing)), u0 = num(model.prior.u0());
  if (smooth_prior(kind)) {
    net.push_back(".func absd(u) {sqrt(u*u+" + d + ")-" + sd + "}");
    net.push_back(".func dabsd(u) {u/sqrt(u*u+" + d + ")}");
    net.push_back(".func maxd(z) {0.5*(z+sqrt(z*z+" + d + ")-" + sd + ")}");
    net.push_back(".func dmaxd(z) {0.5*(1+z/sqrt(z*z+" + d + "))}");
    // A ramp that vanishes for z ≫ √δ (m has the floor −√δ/2 there): the L1 clamp's.
    net.push_back(".func rampd(z) {0.5*(z+sqrt(z*z+" + d + "))}");
  }
  if (kind == PriorKind::l0) {
    // eq. 3.9: s = max(|u| − u0, 0), C(u) = λ|u|.
    net.push_back(".func sf(u) {maxd(absd(u)-" + u0 + ")}");
    net.push_back(".func dsf(u) {dmaxd(absd(u)-" + u0 + ")*dabsd(u)}");
    return "-dsf(U)*(G)*" + num(inv_var) + "-" + num(lambda) + "*dabsd(U)";
  }
  if (kind == PriorKind::l1) {
    // The nonnegative L1 prior integrates s itself (app. C.B): τ ds/dt = −g/σ² − λ for s > 0,
    // held at s = 0 by a stiff conductance where the drive pushes below zero (app. D's switch
    // that shorts the capacitor). In the |u| form of eq. 3.9 instead, u = 0 is a fixed point of
    // the noiseless dynamics that SSC's MAP circuit would never leave.
    net.push_back(".func sf(u) {maxd(u)}");
    return "-(G)*" + num(inv_var) + "-" + num(lambda) + "+" + num(kClampRate) + "*rampd(-U)";
  }
  net.push_back(".func sf(u) {u}");
  return "-(G)*" + num(inv_var) + "-" + num(lambda) + "*U";
}

std::vector<std::string> noise_names() { return {"none", "white", "uniform", "two_level", "telegraph", "pink"}; }

std::string substitute(std::string expression, const std::string& u, const std::string& g) {
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"U", u}, {"G", g}})
    for (std::size_t at = expression.find(from); at != std::string::npos; at = expression.find(from, at + to.size()))
      expression.replace(at, from.size(), to);
  return expression;
}

std::vector<std::string> multiplier_names() { return {"ideal", "gilbert"}; }

namespace {
// The enum whose names (in enum order) include `name`; `what` names the option in the error.
template <class E>
E enum_from_name(const std::vector<std::string>& names, const std::string& name, const std::string& what) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<E>(i);
  throw Error("unknown " + what + " '" + name + "'; choose " + either_of(names) + ".");
}
}  // namespace

Multiplier multiplier_from_name(const std::string& name) {
  return enum_from_name<Multiplier>(multiplier_names(), name, "multiplier");
}

Noise noise_from_name(const std::string& name) { return enum_from_name<Noise>(noise_names(), name, "noise model"); }

std::string name_of(Noise noise) { return noise_names()[static_cast<std::size_t>(noise)]; }

Real fastest_rate(const Model& model, Real smoothing) {
  const Matrix G = model.A.transpose() * model.A;
  const Real data = Eigen::SelfAdjointEigenSolver<Matrix>(G, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff() /
                    (model.sigma * model.sigma);
  const Real lambda = model.prior.lambda;
  switch (model.prior.kind) {
    case PriorKind::l0: return data + lambda / std::sqrt(smoothing);
    case PriorKind::l1: return data + kClampRate;
    default: return data + lambda;
  }
}

double noise_step(const Model& model, const CircuitOptions& o) {
  return o.noise_step > 0 ? o.noise_step : o.tau_u / (100 * fastest_rate(model, o.smoothing));
}

double noise_step_limit(const Model& model, const CircuitOptions& o, double noiseless) {
  if (o.noise == Noise::none || o.temperature <= 0) return noiseless;
  // No longer than the noise samples, so that the noise is resolved; a twentieth of the
  // telegraph's dwell (its switches were too strong with longer steps: circuit-notes.md).
  const double NT = noise_step(model, o);
  if (o.noise != Noise::telegraph) return NT;
  return std::min(NT, (o.noise_correlation > 0 ? o.noise_correlation : NT) / 20);
}

namespace {

// The Gilbert-cell grids (app. C.A, gilbert_cell.hpp) appended to `net`; returns g_k's expression
// for each k. A_dk is held on the upper quads as a voltage, shared by the cell (d, k) of the
// first grid, whose row d sums A_dk s_k into r_d = (A s)_d − x_d, and the cell (k, d) of the
// second, whose row k sums A_dk r_d into g_k. Between the grids, and from V(s) to the cells'
// inputs, ideal differential amplifiers (B and E sources) shift the levels: an op-amp stage each
// in hardware, whose gain the cell's measured gain trims.
std::vector<std::string> gilbert_grids(const Model& model, const Vector& x, double alpha, std::vector<std::string>& net) {
  const GilbertCell cell;
  const double gain = cell.gain(), beta = cell.input_volts;
  const Index D = model.D(), K = model.K();
  const std::string vs = num(cell.supply), bias = num(cell.upper_bias);
  for (const std::string& line : cell.definitions()) net.push_back(line);
  net.push_back("VCC vcc 0 " + vs);
  net.push_back("VEE vee 0 -" + vs);
  for (Index d = 0; d < D; ++d)
    for (Index k = 0; k < K; ++k) {
      const std::string n = std::to_string(d + 1) + "_" + std::to_string(k + 1);
      net.push_back("VAP" + n + " ap" + n + " 0 " + num(cell.upper_bias + beta * model.A(d, k) / 2));
      net.push_back("VAM" + n + " am" + n + " 0 " + num(cell.upper_bias - beta * model.A(d, k) / 2));
    }
  for (Index k = 0; k < K; ++k) {  // V(s_k) = α s_k to ±β s_k / 2
    const std::string n = std::to_string(k + 1);
    net.push_back("ESP" + n + " sp" + n + " 0 s" + n + " 0 " + num(beta / (2 * alpha)));
    net.push_back("ESM" + n + " sm" + n + " 0 s" + n + " 0 " + num(-beta / (2 * alpha)));
  }
  const double R1 = cell.load(static_cast<int>(K)), R2 = cell.load(static_cast<int>(D));
  for (Index d = 0; d < D; ++d) {  // r = A s − x
    const std::string n = std::to_string(d + 1);
    net.push_back("RYP" + n + " vcc yp" + n + " " + num(R1));
    net.push_back("RYM" + n + " vcc ym" + n + " " + num(R1));
    for (Index k = 0; k < K; ++k) {
      const std::string a = std::to_string(d + 1) + "_" + std::to_string(k + 1), s = std::to_string(k + 1);
      net.push_back("XR" + a + " ap" + a + " am" + a + " sp" + s + " sm" + s + " yp" + n + " ym" + n + " vcc vee gilbert");
    }
    const std::string r = "((v(ym" + n + ")-v(yp" + n + "))*" + num(1 / (R1 * gain)) + "-(" + num(x(d)) + "))";
    net.push_back("BRP" + n + " rp" + n + " 0 V = " + num(beta / 2) + "*" + r);
    net.push_back("BRM" + n + " rm" + n + " 0 V = " + num(-beta / 2) + "*" + r);
  }
  std::vector<std::string> g(static_cast<std::size_t>(K));
  for (Index k = 0; k < K; ++k) {  // g = Aᵀr
    const std::string n = std::to_string(k + 1);
    net.push_back("RZP" + n + " vcc zp" + n + " " + num(R2));
    net.push_back("RZM" + n + " vcc zm" + n + " " + num(R2));
    for (Index d = 0; d < D; ++d) {
      const std::string a = std::to_string(d + 1) + "_" + n, r = std::to_string(d + 1);
      net.push_back("XG" + a + " ap" + a + " am" + a + " rp" + r + " rm" + r + " zp" + n + " zm" + n + " vcc vee gilbert");
    }
    g[static_cast<std::size_t>(k)] = "((v(zm" + n + ")-v(zp" + n + "))*" + num(1 / (R2 * gain)) + ")";
  }
  return g;
}

}  // namespace

std::vector<std::string> inference_netlist(const Model& model, const Vector& x, const CircuitOptions& o) {
  model.validate();
  const PriorKind kind = model.prior.kind;
  require(kind == PriorKind::gaussian || smooth_prior(kind),
          "the circuit implements the gaussian, l1 and l0 priors (appendices C-D); use --prior gaussian, l1 or l0.");
  require(x.size() == model.D(), "the data point has " + std::to_string(x.size()) + " values but the dictionary has D = " +
                                     std::to_string(model.D()) + "; pass a point of the dictionary's dimension.");
  require(x.allFinite(), "the data point contains NaN or infinite values; clean the data first.");
  require(o.tau_u > 0 && o.capacitance > 0 && o.volts > 0 && o.duration > 0 && o.smoothing > 0 && o.temperature >= 0,
          "the circuit needs positive tau_u, capacitance, volts, duration and smoothing, and a temperature >= 0.");
  require(o.u_start.size() == 0 || o.u_start.size() == model.K(),
          "the start of u needs K = " + std::to_string(model.K()) + " values.");
  const Index K = model.K();
  const double alpha = o.volts, C = o.capacitance, tau = o.tau_u;
  const Matrix G = model.A.transpose() * model.A;  // the coupling grid (eq. 62-63)
  const Vector b = model.A.transpose() * x;        // the drive Aᵀx
  const double rate = fastest_rate(model, o.smoothing);
  const double step = o.sample_step > 0 ? o.sample_step : tau / 10;

  std::vector<std::string> net = {"* lsc inference circuit: " + Prior{kind}.name() + " prior, K = " + std::to_string(K)};
  const std::string drift = prior_functions(model, o.smoothing, net);
  const std::vector<std::string> gilbert_g =
      o.multiplier == Multiplier::gilbert ? gilbert_grids(model, x, alpha, net) : std::vector<std::string>{};
  for (Index k = 0; k < K; ++k) {
    const std::string n = std::to_string(k + 1), u = "(v(u" + n + ")/" + num(alpha) + ")";
    net.push_back("C" + n + " u" + n + " 0 " + num(C));
    // The nonlinearity's output node, V(s_k) = α s(u_k).
    net.push_back("BS" + n + " s" + n + " 0 V = " + num(alpha) + "*sf" + u);
    // g_k = Σ_j (AᵀA)_kj s_j − (Aᵀx)_k, through the grid's conductances.
    std::string g = num(-b(k));
    for (Index j = 0; j < K; ++j)
      if (G(k, j) != 0) g += "+" + num(G(k, j) / alpha) + "*v(s" + std::to_string(j + 1) + ")";
    if (!gilbert_g.empty()) g = gilbert_g[static_cast<std::size_t>(k)];
    // The integrator's input current: C dV/dt = (αC/τ)·(τ du/dt).
    net.push_back("BU" + n + " 0 u" + n + " I = " + num(alpha * C / tau) + "*(" + substitute(drift, u, g) + ")");
    // The noise current, computed by lsc (noise_current.hpp).
    if (o.noise != Noise::none && o.temperature > 0) net.push_back("IN" + n + " 0 u" + n + " EXTERNAL");
    const double start = o.u_start.size() ? o.u_start(k) : 0.0;
    net.push_back(".ic v(u" + n + ")=" + num(alpha * start));
  }
  // The Gilbert cells' outputs are millivolts on volts: their Newton iterations need a finer
  // relative tolerance to resolve the product to 1e-4.
  net.push_back(std::string(".options interp reltol=") + (gilbert_g.empty() ? "1e-6" : "1e-8") + " abstol=1e-15 vntol=1e-9");
  const double max_step = noise_step_limit(model, o, std::min(step, tau / (10 * rate)));
  net.push_back(".tran " + num(step) + " " + num(o.duration) + " 0 " + num(max_step) + " uic");
  net.push_back(".end");
  return net;
}

CircuitTrace simulate_inference(const Model& model, const Vector& x, const CircuitOptions& o) {
  const std::vector<std::string> net = inference_netlist(model, x, o);
  std::vector<std::string> nodes;
  for (Index k = 0; k < model.K(); ++k) nodes.push_back("u" + std::to_string(k + 1));
  for (Index k = 0; k < model.K(); ++k) nodes.push_back("s" + std::to_string(k + 1));
  const auto start = std::chrono::steady_clock::now();
  NoiseCurrent noise = noise_current(model, o, model.K());
  const Transient t = run_transient(net, nodes, [&](const std::string& source, double time) {
    return noise(std::stoi(source.substr(2)) - 1, time);  // "in3" is coefficient 3
  });
  CircuitTrace trace;
  trace.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  trace.time = t.time;
  const Index K = model.K(), T = static_cast<Index>(t.time.size());
  trace.U.resize(K, T);
  trace.S.resize(K, T);
  for (Index k = 0; k < K; ++k)
    for (Index i = 0; i < T; ++i) {
      trace.U(k, i) = t.voltages[static_cast<std::size_t>(k)][static_cast<std::size_t>(i)] / o.volts;
      trace.S(k, i) = t.voltages[static_cast<std::size_t>(K + k)][static_cast<std::size_t>(i)] / o.volts;
    }
  return trace;
}

Matrix equation_solution(const Model& model, const Vector& x, const CircuitOptions& o, const std::vector<double>& times) {
  EngineOptions e;
  e.sampler = model.prior.kind == PriorKind::l1 ? SamplerKind::gradient_flow : SamplerKind::euler;
  e.dtype = Dtype::float64;
  e.temperature = 0;
  e.eps = 1e-4;
  const double dt = e.eps * o.tau_u;
  std::unique_ptr<StepEngine> engine = make_step_engine(e);
  ChainState chains = ChainState::zeros(model.K(), 1);
  if (o.u_start.size()) chains.U.col(0) = o.u_start;
  engine->load(model, chains);
  engine->set_batch(Matrix(x));
  Matrix out(model.K(), static_cast<Index>(times.size())), S;
  std::uint64_t done = 0;
  for (std::size_t i = 0; i < times.size(); ++i) {
    const auto target = static_cast<std::uint64_t>(std::llround(times[i] / dt));
    if (target > done) engine->run(target - done);
    done = std::max(done, target);
    engine->read_coefficients(S);
    out.col(static_cast<Index>(i)) = S.col(0);
  }
  return out;
}

}  // namespace lsc::circuit
