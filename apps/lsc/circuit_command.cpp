#include "circuit_command.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lsc/circuit/learning_circuit.hpp"
#include "lsc/core/error.hpp"
#include "lsc/io/atomic_file.hpp"
#include "lsc/io/npy.hpp"
#include "lsc/run/records.hpp"
#include "lsc/run/run_folder.hpp"
#include "lsc/run/run_lock.hpp"
#include "options.hpp"
#include "plot_script.hpp"

namespace fs = std::filesystem;

namespace lsc::cli {

CircuitCommand::CircuitCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "circuit", "Simulate the analog inference circuit of the paper's appendices C-D with ngspice for one data point, or "
                 "with --learn the learning circuit of C.B and E into a run folder (docs/circuit.md).");
  CLI::App* c = command_;
  CLI::Option* model = c->add_option("--model", model_dir_, "run folder written by 'lsc train'");
  CLI::Option* dict = c->add_option("--dictionary", dictionary_, "dictionary .npy of shape (K, D)");
  model->excludes(dict);
  c->add_option("--prior", prior_, "prior with --dictionary: gaussian, l1 or l0")->capture_default_str()
      ->check(CLI::IsMember({"gaussian", "l1", "l0"}));
  c->add_option("--pi", pi_, "pi with --dictionary")->capture_default_str();
  c->add_option("--lambda", lambda_, "lambda with --dictionary")->capture_default_str();
  c->add_option("--sigma", sigma_, "sigma with --dictionary")->capture_default_str();
  c->add_option("--data", data_, "data .npy of shape (N, D); with --learn also 'bars' (the default there) or images:PATH");
  c->add_option("--point", point_, "the row of --data to infer")->capture_default_str();
  c->add_option("--noise", noise_,
                "noise current per coefficient, all at the low-frequency density of temperature T: white (Gaussian), uniform, "
                "two_level (non-Gaussian white), telegraph (coloured, --correlation), pink (1/f, equal to white at "
                "omega = 1/tau_u, down to 1/(2 pi --correlation)), or none (the MAP circuit)")
      ->capture_default_str()->check(CLI::IsMember(circuit::noise_names()));
  c->add_option("--correlation", correlation_tau_, "telegraph noise: mean dwell in each level; pink noise: longest correlation time; in units of tau_u "
                "(0: the noise step; pink: the duration)")
      ->capture_default_str();
  c->add_option("--temperature", options_.temperature, "T: the white noise's density")->capture_default_str();
  c->add_option("--tau-u", options_.tau_u, "integrator time constant R*C, seconds")->capture_default_str();
  c->add_option("--capacitance", options_.capacitance, "integrator capacitance, farads")->capture_default_str();
  c->add_option("--volts", options_.volts, "volts per unit of u and s")->capture_default_str();
  c->add_option("--duration", duration_tau_, "simulated time, in units of tau_u")->capture_default_str();
  c->add_option("--burn-in", burn_in_tau_,
                "time left out of the statistics, in units of tau_u (default: 10, at most a tenth of --duration; 0 without noise)");
  c->add_option("--noise-step", noise_step_tau_, "time between noise samples, in units of tau_u (0: tau_u/(100 kappa_max))")
      ->capture_default_str();
  c->add_option("--sample-step", sample_step_tau_, "time between output points, in units of tau_u")->capture_default_str();
  c->add_option("--smoothing", options_.smoothing,
                "delta of the smoothed |u| and max (default 0.01 for l0, whose samples it barely moves; 1e-6 for l1, "
                "whose MAP circuit it would offset by sqrt(delta)/2)");
  c->add_option("--multiplier", multiplier_,
                "the coupling's multipliers: ideal (behavioural sources) or gilbert (2 D K transistor-level Gilbert cells; "
                "inference only)")
      ->capture_default_str()->check(CLI::IsMember(circuit::multiplier_names()));
  c->add_option("--start", start_, "u at t = 0, K values (default zeros)");
  c->add_option("--seed", options_.seed, "seed of the noise sources")->capture_default_str();
  c->add_flag("--no-plots", no_plots_, "write the numbers only");
  c->add_option("--out", out_, "output folder (with --learn: a run folder, as lsc train writes)")->required();
  // The learning circuit (--learn).
  c->add_flag("--learn", learn_,
              "simulate the learning circuit: --batch chains share the dictionary's integrators, the data switch every --tau-x");
  c->add_option("--K", K_, "--learn: dictionary elements (without --dictionary or --model)")->capture_default_str();
  c->add_option("--batch", batch_, "--learn: N, data points (and coefficient circuits) per batch")->capture_default_str();
  c->add_option("--batches", batches_, "--learn: batches to learn from")->capture_default_str();
  c->add_option("--tau-A", tau_A_tau_, "--learn: the dictionary integrators' time constant, in units of tau_u")->capture_default_str();
  c->add_option("--tau-x", tau_x_tau_, "--learn: time each batch is held, in units of tau_u")->capture_default_str();
  c->add_option("--init-norm", init_norm_, "--learn: norm of the random start's columns (without --dictionary or --model)")
      ->capture_default_str();
  c->add_flag("!--no-compare", compare_, "--learn: skip lsc's own learner with the same settings");
  data_options_.bars.size = 4;  // SPICE's cost grows with D·K·N: 4×4 bars by default
  cli::add_fields(c, data_options_.bars, run::bars_option_fields(), {"seed"}, "bars-");
}

int CircuitCommand::run() {
  require(learn_ || !model_dir_.empty() || !dictionary_.empty(),
          "circuit needs a model: pass --model RUN_DIR or --dictionary A.npy.");
  Model model;
  if (!model_dir_.empty()) {
    model = run::load_model(model_dir_);
  } else {
    if (!dictionary_.empty()) model.A = io::read_npy_rows(dictionary_);
    model.prior = Prior::make(Prior::kind_from_name(prior_), lambda_, pi_);
    model.sigma = sigma_;
  }
  if (options_.smoothing < 0) options_.smoothing = model.prior.kind == PriorKind::l1 ? 1e-6 : 0.01;
  options_.noise = circuit::noise_from_name(noise_);
  options_.multiplier = circuit::multiplier_from_name(multiplier_);
  require(!learn_ || options_.multiplier == circuit::Multiplier::ideal,
          "the learning circuit has ideal multipliers only; leave out --multiplier gilbert with --learn.");
  require(noise_step_tau_ >= 0 && correlation_tau_ >= 0 && sample_step_tau_ > 0,
          "--noise-step and --correlation must be >= 0 and --sample-step positive.");
  options_.noise_step = noise_step_tau_ * options_.tau_u;
  options_.noise_correlation = correlation_tau_ * options_.tau_u;
  return learn_ ? run_learning(std::move(model)) : run_inference(model);
}

int CircuitCommand::run_inference(const Model& model) {
  require(!data_.empty(), "circuit needs a data point: pass --data X.npy (and --point ROW).");
  const Matrix X = io::read_npy_rows(data_);
  require(point_ >= 0 && point_ < X.cols(), "--point " + std::to_string(point_) + " is not a row of " + data_ + " (" +
                                                std::to_string(X.cols()) + " rows); pass a row index below that.");
  require(X.rows() == model.D(), data_ + " has " + std::to_string(X.rows()) + " columns but the dictionary has D = " +
                                     std::to_string(model.D()) + "; use data of the dictionary's dimension.");
  if (burn_in_tau_ < 0)
    burn_in_tau_ = options_.noise == circuit::Noise::none ? 0.0 : std::min<Real>(10, duration_tau_ / 10);
  require(duration_tau_ > burn_in_tau_ && burn_in_tau_ >= 0,
          "--duration must exceed --burn-in; e.g. --duration 200 --burn-in 10.");
  options_.duration = duration_tau_ * options_.tau_u;
  options_.sample_step = sample_step_tau_ * options_.tau_u;
  if (!start_.empty()) options_.u_start = Eigen::Map<const Vector>(start_.data(), static_cast<Index>(start_.size()));
  const Vector x = X.col(point_);

  fs::create_directories(out_);
  const fs::path out(out_);
  std::string netlist;
  for (const std::string& line : circuit::inference_netlist(model, x, options_)) netlist += line + "\n";
  io::write_file_atomic(out / "circuit.cir", netlist);
  std::fprintf(stderr, "circuit: simulating %.4g s (%g tau_u) of %lld coefficients in ngspice\n", options_.duration,
               duration_tau_, static_cast<long long>(model.K()));
  const circuit::CircuitTrace t = circuit::simulate_inference(model, x, options_);
  const Index K = model.K(), T = static_cast<Index>(t.time.size());
  const bool noiseless = options_.noise == circuit::Noise::none || options_.temperature == 0;
  Matrix reference;
  if (noiseless) reference = circuit::equation_solution(model, x, options_, t.time);

  // Voltages over time, and (noiseless) the equations' s beside the circuit's.
  std::ostringstream csv;
  csv << "time_s";
  for (Index k = 0; k < K; ++k) csv << ",u" << k + 1 << "_V";
  for (Index k = 0; k < K; ++k) csv << ",s" << k + 1 << "_V";
  if (noiseless)
    for (Index k = 0; k < K; ++k) csv << ",s" << k + 1 << "_equations";
  csv << "\n";
  char cell[40];
  for (Index i = 0; i < T; ++i) {
    std::snprintf(cell, sizeof cell, "%.9g", t.time[static_cast<std::size_t>(i)]);
    csv << cell;
    for (Index k = 0; k < K; ++k) csv << "," << t.U(k, i) * options_.volts;
    for (Index k = 0; k < K; ++k) csv << "," << t.S(k, i) * options_.volts;
    if (noiseless)
      for (Index k = 0; k < K; ++k) csv << "," << reference(k, i);
    csv << "\n";
  }
  io::write_file_atomic(out / "voltages.csv", csv.str());

  // Statistics after the burn-in: the posterior mean of s and P(s != 0) (|u| > u0), as lsc infer.
  const double u0 = model.prior.u0();
  Index first = 0;
  while (first < T && t.time[static_cast<std::size_t>(first)] < burn_in_tau_ * options_.tau_u) ++first;
  const Matrix S = t.S.rightCols(T - first), U = t.U.rightCols(T - first);
  const Vector mean = S.rowwise().mean();
  Vector active(K);
  for (Index k = 0; k < K; ++k)
    active(k) = model.prior.kind == PriorKind::gaussian ? 1.0 : (U.row(k).array().abs() > u0).cast<Real>().mean();
  io::write_npy(out / "mean.npy", mean.data(), {static_cast<std::size_t>(K)});
  io::write_npy(out / "active.npy", active.data(), {static_cast<std::size_t>(K)});
  io::write_npy_rows(out / "samples.npy", S);  // (T, K): one row per output point
  double worst = 0;
  if (noiseless) worst = (t.S - reference).cwiseAbs().maxCoeff();
  const nlohmann::json summary = {
      {"K", K}, {"D", model.D()}, {"prior", model.prior.name()}, {"noise", noise_}, {"multiplier", multiplier_},
      {"temperature", options_.temperature}, {"tau_u_s", options_.tau_u}, {"volts", options_.volts}, {"simulated_s", options_.duration},
      {"wall_s", t.wall_s}, {"simulated_tau_per_wall_s", duration_tau_ / t.wall_s}, {"points", T},
      {"mean", std::vector<double>(mean.data(), mean.data() + K)},
      {"active", std::vector<double>(active.data(), active.data() + K)},
      {"max_abs_s_minus_equations", noiseless ? nlohmann::json(worst) : nlohmann::json(nullptr)}};
  io::write_file_atomic(out / "summary.json", summary.dump(2) + "\n");
  std::printf("simulated %g tau_u (%.4g s) in %.2f s of wall time (%.1f tau_u per second)\n", duration_tau_,
              options_.duration, t.wall_s, duration_tau_ / t.wall_s);
  if (noiseless) std::printf("largest |s_circuit - s_equations| %.3g\n", worst);
  std::printf("mean s:");
  for (Index k = 0; k < K; ++k) std::printf(" %.4f", mean(k));
  std::printf("\nP(s != 0):");
  for (Index k = 0; k < K; ++k) std::printf(" %.4f", active(k));
  std::printf("\nwrote %s (circuit.cir, voltages.csv, mean.npy, active.npy, samples.npy, summary.json)\n", out_.c_str());
  if (!no_plots_) run_plot_script("plot_circuit.py", {out.string()}, out);
  return 0;
}

// The learning circuit (C.B, E) into a run folder that `lsc infer --model` reads. Its configuration
// is recorded as the discrete learner it equals at ε = 0.01 (τ's in steps of ε·τ_u), which is
// also what --compare runs.
int CircuitCommand::run_learning(Model model) {
  constexpr Real kEps = 0.01;
  data_options_.seed = options_.seed;
  const std::string spec = data_.empty() ? "bars" : data_;
  const run::TrainingData data = run::open_training_data(spec, data_options_);
  const Index D = data.source->dim();
  if (model.A.size() == 0) {
    require(K_ > 0 && init_norm_ > 0, "--K and --init-norm must be positive.");
    model.A = init_norm_ * random_dictionary(D, K_, options_.seed);
  }
  require(model.D() == D, spec + " has " + std::to_string(D) + " features but the dictionary has D = " +
                              std::to_string(model.D()) + "; use data of the dictionary's dimension.");
  require(batch_ > 0 && batches_ > 0 && tau_A_tau_ > 0 && tau_x_tau_ >= 10 * kEps,
          "--batch, --batches and --tau-A must be positive and --tau-x at least 0.1 (tau_u units).");
  circuit::LearningCircuitOptions o;
  o.circuit = options_;
  o.tau_A = tau_A_tau_ * options_.tau_u;
  o.tau_x = tau_x_tau_ * options_.tau_u;
  o.batch = batch_;
  o.batches = batches_;
  o.circuit.sample_step = o.tau_x / 10;
  o.circuit.duration = double(batches_) * o.tau_x;

  const fs::path out(out_);
  const run::RunFolderLock lock(out);  // one writer per run folder, as lsc train
  std::string netlist;
  for (const std::string& line : circuit::learning_netlist(model, *data.source, o)) netlist += line + "\n";
  io::write_file_atomic(out / "circuit.cir", netlist);
  const Index K = model.K(), N = batch_;
  std::fprintf(stderr, "circuit: learning from %llu batches of %lld points (%g tau_u): %lld dictionary and %lld coefficient integrators in ngspice\n",
               static_cast<unsigned long long>(batches_), static_cast<long long>(N), double(batches_) * tau_x_tau_,
               static_cast<long long>(D * K), static_cast<long long>(K * N));
  const circuit::LearningTrace t = circuit::simulate_learning(model, *data.source, o);

  // Metrics at the end of each hold, from the batch that was held: ‖x − A s‖²/D, the share of
  // s above the smoothing's floor (√δ), mean ‖A_k‖.
  run::TrainResult result;
  result.model = model;
  result.model.A = t.A.back();
  run::TrainConfig& c = result.config;
  c.method = model.prior.kind == PriorKind::l1 ? "ssc" : "lsc";
  c.prior = model.prior.kind;
  c.K = K;
  c.pi = model.prior.pi;
  c.lambda = model.prior.lambda;
  c.sigma = model.sigma;
  c.batch = N;
  c.tau_u = 1 / kEps;
  c.tau_A = tau_A_tau_ / kEps;
  c.tau_x = static_cast<std::uint64_t>(std::llround(tau_x_tau_ / kEps));
  c.steps = c.tau_x * batches_;
  c.hold_burn_in = 0;
  c.normalize = false;
  c.dtype = "float64";
  c.temperature = o.circuit.noise == circuit::Noise::none ? 0 : options_.temperature;
  c.seed = options_.seed;
  result.elapsed_s = t.wall_s;
  Matrix Xb;
  std::size_t i = 0;  // the output point at the end of hold b (ngspice's output starts after t = 0)
  for (std::uint64_t b = 0; b < batches_; ++b) {
    while (i + 1 < t.time.size() && t.time[i] < (double(b) + 1 - 1e-6) * o.tau_x) ++i;
    data.source->batch(b, N, Xb);
    const Matrix& A = t.A[i];
    const Matrix& S = t.S[i];
    run::MetricsRow r;
    r.step = (b + 1) * c.tau_x;
    r.elapsed_s = t.wall_s * double(b + 1) / double(batches_);
    r.reconstruction_error = (Xb - A * S).squaredNorm() / Real(D * N);
    r.active_fraction = (S.array() > std::sqrt(options_.smoothing)).cast<Real>().mean();
    r.pi = model.prior.pi;
    r.sigma = model.sigma;
    r.lambda = model.prior.lambda;
    r.mean_norm = A.colwise().norm().mean();
    r.tau_u = c.tau_u;
    result.metrics.push_back(r);
  }
  const run::RunInfo info{spec, data.preprocessing, data.truth};
  run::save_run(out, result, info);

  // The dictionary over time, (T, K, D): the start (ngspice's output begins one output step in),
  // then every τ_x/10; and lsc's own learner beside it.
  const auto T = t.A.size() + 1;
  std::vector<double> trace;
  trace.reserve(T * static_cast<std::size_t>(K * D));
  for (std::size_t i = 0; i < T; ++i) {
    const Matrix& A = i == 0 ? model.A : t.A[i - 1];
    for (Index k = 0; k < K; ++k)
      for (Index d = 0; d < D; ++d) trace.push_back(A(d, k));
  }
  io::write_npy(out / "dictionary_trace.npy", trace.data(), {T, static_cast<std::size_t>(K), static_cast<std::size_t>(D)});
  nlohmann::json circuit_summary = {
      {"noise", noise_}, {"temperature", options_.temperature}, {"tau_u_s", options_.tau_u}, {"tau_A_tau_u", tau_A_tau_},
      {"tau_x_tau_u", tau_x_tau_}, {"batch", N}, {"batches", batches_}, {"volts", options_.volts},
      {"simulated_s", o.circuit.duration}, {"wall_s", t.wall_s},
      {"simulated_tau_per_wall_s", double(batches_) * tau_x_tau_ / t.wall_s},
      {"max_abs_A_change", (t.A.back() - model.A).cwiseAbs().maxCoeff()}};
  if (compare_) {
    const Matrix lsc = circuit::learning_equation_solution(model, *data.source, o, kEps).back();
    io::write_npy_rows(out / "dictionary_equations.npy", lsc);
    circuit_summary["equations_eps"] = kEps;
    circuit_summary["max_abs_A_minus_equations"] = (t.A.back() - lsc).cwiseAbs().maxCoeff();
  }
  io::write_file_atomic(out / "circuit.json", circuit_summary.dump(2) + "\n");
  std::printf("simulated %g tau_u in %.2f s of wall time (%.2f tau_u per second)\n", double(batches_) * tau_x_tau_, t.wall_s,
              double(batches_) * tau_x_tau_ / t.wall_s);
  std::printf("the dictionary moved by up to %.4g", circuit_summary["max_abs_A_change"].get<double>());
  if (compare_)
    std::printf("; circuit against lsc's learner (eps %.2g): largest |A difference| %.4g", kEps,
                circuit_summary["max_abs_A_minus_equations"].get<double>());
  std::printf("\nwrote run folder %s (dictionary.npy, model.json, metrics.csv, dictionary.png, summary.json, circuit.cir, "
              "dictionary_trace.npy, circuit.json)\n", out_.c_str());
  return 0;
}

}  // namespace lsc::cli
