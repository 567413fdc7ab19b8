#include "circuit_command.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lsc/core/error.hpp"
#include "lsc/io/atomic_file.hpp"
#include "lsc/io/npy.hpp"
#include "lsc/run/run_folder.hpp"
#include "plot_script.hpp"

namespace fs = std::filesystem;

namespace lsc::cli {

CircuitCommand::CircuitCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "circuit", "Simulate the analog inference circuit of the paper's appendices C-D with ngspice for one data point (docs/circuit.md).");
  CLI::App* c = command_;
  CLI::Option* model = c->add_option("--model", model_dir_, "run folder written by 'lsc train'");
  CLI::Option* dict = c->add_option("--dictionary", dictionary_, "dictionary .npy of shape (K, D)");
  model->excludes(dict);
  c->add_option("--prior", prior_, "prior with --dictionary: gaussian, l1 or l0")->capture_default_str()
      ->check(CLI::IsMember({"gaussian", "l1", "l0"}));
  c->add_option("--pi", pi_, "pi with --dictionary")->capture_default_str();
  c->add_option("--lambda", lambda_, "lambda with --dictionary")->capture_default_str();
  c->add_option("--sigma", sigma_, "sigma with --dictionary")->capture_default_str();
  c->add_option("--data", data_, "data .npy of shape (N, D)")->required();
  c->add_option("--point", point_, "the row of --data to infer")->capture_default_str();
  c->add_option("--noise", noise_,
                "noise current per coefficient, all at the low-frequency density of temperature T: white (Gaussian), uniform, "
                "two_level (non-Gaussian white), telegraph (coloured, --correlation), or none (the MAP circuit)")
      ->capture_default_str()->check(CLI::IsMember(circuit::noise_names()));
  c->add_option("--correlation", correlation_tau_, "telegraph noise: mean dwell in each level, in units of tau_u (0: the noise step)")
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
  c->add_option("--smoothing", options_.smoothing, "delta of the smoothed |u| and max (l1, l0)")->capture_default_str();
  c->add_option("--start", start_, "u at t = 0, K values (default zeros)");
  c->add_option("--seed", options_.seed, "seed of the noise sources")->capture_default_str();
  c->add_flag("--no-plots", no_plots_, "write the numbers only");
  c->add_option("--out", out_, "output folder")->required();
}

int CircuitCommand::run() {
  require(!model_dir_.empty() || !dictionary_.empty(), "circuit needs a model: pass --model RUN_DIR or --dictionary A.npy.");
  Model model;
  if (!model_dir_.empty()) {
    model = run::load_model(model_dir_);
  } else {
    model.A = io::read_npy_rows(dictionary_);
    model.prior = Prior::make(Prior::kind_from_name(prior_), lambda_, pi_);
    model.sigma = sigma_;
  }
  const Matrix X = io::read_npy_rows(data_);
  require(point_ >= 0 && point_ < X.cols(), "--point " + std::to_string(point_) + " is not a row of " + data_ + " (" +
                                                std::to_string(X.cols()) + " rows); pass a row index below that.");
  require(X.rows() == model.D(), data_ + " has " + std::to_string(X.rows()) + " columns but the dictionary has D = " +
                                     std::to_string(model.D()) + "; use data of the dictionary's dimension.");
  options_.noise = circuit::noise_from_name(noise_);
  if (burn_in_tau_ < 0)
    burn_in_tau_ = options_.noise == circuit::Noise::none ? 0.0 : std::min<Real>(10, duration_tau_ / 10);
  require(duration_tau_ > burn_in_tau_ && burn_in_tau_ >= 0 && sample_step_tau_ > 0 && noise_step_tau_ >= 0,
          "--duration must exceed --burn-in, and the steps must be positive; e.g. --duration 200 --burn-in 10.");
  options_.duration = duration_tau_ * options_.tau_u;
  options_.noise_step = noise_step_tau_ * options_.tau_u;
  options_.noise_correlation = correlation_tau_ * options_.tau_u;
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
      {"K", K}, {"D", model.D()}, {"prior", model.prior.name()}, {"noise", noise_},
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

}  // namespace lsc::cli
