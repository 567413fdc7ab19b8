#include "lsc/circuit/learning_circuit.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "lsc/circuit/ngspice.hpp"
#include "lsc/circuit/noise_current.hpp"
#include "lsc/core/error.hpp"
#include "lsc/learn/learner.hpp"

namespace lsc::circuit {

namespace {

const auto num = spice_number;

}  // namespace

std::vector<std::string> learning_netlist(const Model& model, const BatchSource& data, const LearningCircuitOptions& o) {
  model.validate();
  const CircuitOptions& c = o.circuit;
  require(data.dim() == model.D(), "the data have " + std::to_string(data.dim()) + " features but the dictionary has D = " +
                                       std::to_string(model.D()) + "; use data of the dictionary's dimension.");
  require(o.batch > 0 && o.batches > 0 && o.tau_A > 0 && o.tau_x > 0 && c.tau_u > 0,
          "the learning circuit needs a positive batch, number of batches, tau_A, tau_x and tau_u.");
  const Index D = model.D(), K = model.K(), N = o.batch;
  const double alpha = c.volts, C = c.capacitance, tau = c.tau_u;
  const double duration = double(o.batches) * o.tau_x;
  std::vector<std::string> net = {"* lsc learning circuit: " + model.prior.name() + " prior, D = " + std::to_string(D) +
                                  ", K = " + std::to_string(K) + ", N = " + std::to_string(N)};
  const std::string drift = prior_functions(model, c.smoothing, net);
  const auto a = [](Index d, Index k) { return "a" + std::to_string(d + 1) + "_" + std::to_string(k + 1); };
  const auto node = [](const char* kind, Index i, Index n) {
    return std::string(kind) + std::to_string(i + 1) + "_" + std::to_string(n + 1);
  };
  const std::string unit = "/" + num(alpha);
  // The data: x_n of batch b from b·τ_x, switching within τ_u/1000.
  std::vector<Matrix> batches(o.batches);
  for (std::uint64_t b = 0; b < o.batches; ++b) data.batch(b, N, batches[b]);
  const double edge = tau / 1000;
  for (Index d = 0; d < D; ++d)
    for (Index n = 0; n < N; ++n) {
      std::string pwl = "V" + node("x", d, n) + " " + node("x", d, n) + " 0 PWL(0 " + num(alpha * batches[0](d, n));
      for (std::uint64_t b = 1; b < o.batches; ++b)
        pwl += " " + num(double(b) * o.tau_x) + " " + num(alpha * batches[b - 1](d, n)) + " " +
               num(double(b) * o.tau_x + edge) + " " + num(alpha * batches[b](d, n));
      net.push_back(pwl + ")");
    }
  const double inv_NV = 1.0 / (double(N) * model.sigma * model.sigma);
  for (Index n = 0; n < N; ++n) {
    // r_n = A s_n − x_n (the residual grid).
    for (Index d = 0; d < D; ++d) {
      std::string r = "-v(" + node("x", d, n) + ")";
      for (Index k = 0; k < K; ++k) r += "+v(" + a(d, k) + ")*v(" + node("s", k, n) + ")" + unit;
      net.push_back("B" + node("r", d, n) + " " + node("r", d, n) + " 0 V = " + r);
    }
    for (Index k = 0; k < K; ++k) {
      const std::string u = "(v(" + node("u", k, n) + ")" + unit + ")";
      std::string g = "0";  // g = Aᵀ r_n
      for (Index d = 0; d < D; ++d) g += "+v(" + a(d, k) + ")*v(" + node("r", d, n) + ")" + unit + unit;
      net.push_back("C" + node("u", k, n) + " " + node("u", k, n) + " 0 " + num(C));
      net.push_back("B" + node("s", k, n) + " " + node("s", k, n) + " 0 V = " + num(alpha) + "*sf" + u);
      net.push_back("B" + node("u", k, n) + " 0 " + node("u", k, n) + " I = " + num(alpha * C / tau) + "*(" +
                    substitute(drift, u, g) + ")");
      if (c.noise != Noise::none && c.temperature > 0)
        net.push_back("I" + node("n", k, n) + " 0 " + node("u", k, n) + " EXTERNAL");  // noise_current.hpp
      net.push_back(".ic v(" + node("u", k, n) + ")=0");
    }
  }
  // The dictionary's integrators: C dV(a_dk)/dt = (αC/τ_A)·(−(1/(N σ²)) Σ_n r_dn s_kn).
  for (Index d = 0; d < D; ++d)
    for (Index k = 0; k < K; ++k) {
      std::string sum = "0";
      for (Index n = 0; n < N; ++n) sum += "+v(" + node("r", d, n) + ")*v(" + node("s", k, n) + ")";
      net.push_back("C" + a(d, k) + " " + a(d, k) + " 0 " + num(C));
      net.push_back("B" + a(d, k) + " 0 " + a(d, k) + " I = " + num(-alpha * C / o.tau_A * inv_NV / (alpha * alpha)) +
                    "*(" + sum + ")");
      net.push_back(".ic v(" + a(d, k) + ")=" + num(alpha * model.A(d, k)));
    }
  const double step = c.sample_step > 0 ? c.sample_step : o.tau_x;
  const double max_step = noise_step_limit(model, c, tau / 20);
  net.push_back(".options interp reltol=1e-6 abstol=1e-15 vntol=1e-9");
  net.push_back(".tran " + num(step) + " " + num(duration) + " 0 " + num(max_step) + " uic");
  net.push_back(".end");
  return net;
}

LearningTrace simulate_learning(const Model& model, const BatchSource& data, const LearningCircuitOptions& o) {
  const std::vector<std::string> net = learning_netlist(model, data, o);
  const Index D = model.D(), K = model.K();
  std::vector<std::string> nodes;
  for (Index d = 0; d < D; ++d)
    for (Index k = 0; k < K; ++k) nodes.push_back("a" + std::to_string(d + 1) + "_" + std::to_string(k + 1));
  for (Index n = 0; n < o.batch; ++n)
    for (Index k = 0; k < K; ++k) nodes.push_back("s" + std::to_string(k + 1) + "_" + std::to_string(n + 1));
  const auto start = std::chrono::steady_clock::now();
  // Source "in{k}_{n}" is noise source n·K + k − 1.
  NoiseCurrent noise = noise_current(model, o.circuit, K * o.batch);
  const Transient t = run_transient(net, nodes, [&](const std::string& source, double time) {
    const std::size_t bar = source.find('_');
    const Index k = std::stoi(source.substr(2, bar - 2)) - 1, n = std::stoi(source.substr(bar + 1)) - 1;
    return noise(n * K + k, time);
  });
  LearningTrace trace;
  trace.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  trace.time = t.time;
  for (std::size_t i = 0; i < t.time.size(); ++i) {
    Matrix A(D, K);
    for (Index d = 0; d < D; ++d)
      for (Index k = 0; k < K; ++k) A(d, k) = t.voltages[static_cast<std::size_t>(d * K + k)][i] / o.circuit.volts;
    trace.A.push_back(std::move(A));
    Matrix S(K, o.batch);
    for (Index n = 0; n < o.batch; ++n)
      for (Index k = 0; k < K; ++k)
        S(k, n) = t.voltages[static_cast<std::size_t>(D * K + n * K + k)][i] / o.circuit.volts;
    trace.S.push_back(std::move(S));
  }
  return trace;
}

std::vector<Matrix> learning_equation_solution(const Model& model, const BatchSource& data,
                                               const LearningCircuitOptions& o, Real eps) {
  const double tau = o.circuit.tau_u;
  LearnerOptions l;
  l.batch = o.batch;
  l.tau_A = o.tau_A / tau / eps;  // in steps of ε·τ_u
  l.tau_x = static_cast<std::uint64_t>(std::llround(o.tau_x / tau / eps));
  require(l.tau_x > 0, "tau_x must be at least one step of eps * tau_u.");
  EngineOptions e;
  e.sampler = model.prior.kind == PriorKind::l1 ? SamplerKind::gradient_flow : SamplerKind::euler;
  e.dtype = Dtype::float64;
  e.temperature = o.circuit.noise == Noise::none ? 0 : o.circuit.temperature;
  e.eps = eps;
  e.seed = o.circuit.seed;
  SimultaneousLearner learner(model, data, l, e);
  std::vector<Matrix> out;
  for (std::uint64_t b = 0; b < o.batches; ++b) {
    for (std::uint64_t i = 0; i < l.tau_x; ++i) learner.step();
    out.push_back(learner.model().A);
  }
  return out;
}

}  // namespace lsc::circuit
