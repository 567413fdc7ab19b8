#include "lsc/run/run_folder.hpp"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lsc/core/error.hpp"
#include "lsc/data/patch_dataset.hpp"
#include "lsc/io/atomic_file.hpp"
#include "lsc/run/config_json.hpp"
#include "lsc/io/npy.hpp"
#include "lsc/io/png.hpp"

namespace lsc::run {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string metrics_csv(const std::vector<MetricsRow>& rows) {
  std::ostringstream out;
  out << "step,elapsed_s,reconstruction_error,active_fraction,pi,sigma,lambda,mean_norm,tau_u\n";
  out << std::setprecision(9);
  for (const MetricsRow& r : rows)
    out << r.step << ',' << r.elapsed_s << ',' << r.reconstruction_error << ',' << r.active_fraction
        << ',' << r.pi << ',' << r.sigma << ',' << r.lambda << ',' << r.mean_norm
        << ',' << r.tau_u << '\n';
  return out.str();
}

}  // namespace

void save_mosaic(const fs::path& file, const Matrix& A, bool sort_by_norm) {
  io::MosaicOptions o;
  const auto side = static_cast<Index>(std::llround(std::sqrt(double(A.rows()))));
  if (side * side != A.rows()) {
    o.patch_height = 1;
    o.patch_width = static_cast<int>(A.rows());
  }
  o.scale = A.rows() <= 256 ? 8 : 4;
  o.sort_by_norm = sort_by_norm;
  io::write_dictionary_png(file, A, o);
}

void save_run(const fs::path& dir, const TrainResult& result, const RunInfo& info) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  require(!ec && fs::is_directory(dir), dir.string() + ": cannot create the run folder (" + ec.message() +
                                            "); choose a writable --out path.");
  const Model& m = result.model;
  // A is D×K column-major: its bytes are the C-order (K, D) array.
  io::write_npy(dir / "dictionary.npy", m.A.data(),
                {static_cast<std::size_t>(m.K()), static_cast<std::size_t>(m.D())});
  const json model = {{"version", LSC_VERSION},
                      {"D", m.D()},
                      {"K", m.K()},
                      {"method", result.config.method},
                      {"prior", {{"name", m.prior.name()}, {"lambda", m.prior.lambda}, {"pi", m.prior.pi}, {"u0", m.prior.u0()}}},
                      {"sigma", m.sigma},
                      {"seed", result.config.seed},
                      {"steps", result.metrics.empty() ? 0 : result.metrics.back().step},
                      {"elapsed_s", result.elapsed_s},
                      {"data", info.data},
                      {"preprocessing", info.preprocessing},
                      {"config", config_json(result.config)}};
  io::write_file_atomic(dir / "model.json", model.dump(2) + "\n");
  io::write_file_atomic(dir / "metrics.csv", metrics_csv(result.metrics));
  save_mosaic(dir / "dictionary.png", elements_in_pixel_space(m.A, info.preprocessing));
}

namespace {
nlohmann::json read_model_json(const fs::path& dir) {
  const fs::path file = dir / "model.json";
  std::ifstream in(file);
  require(in.good(), file.string() + ": cannot read the model description; pass a run folder written by 'lsc train'.");
  json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    throw Error(file.string() + ": not valid JSON (" + e.what() + "); re-create it with 'lsc train'.");
  }
  return j;
}
}  // namespace

nlohmann::json load_preprocessing(const fs::path& dir) { return read_model_json(dir).value("preprocessing", json()); }

Model load_model(const fs::path& dir) {
  const fs::path file = dir / "model.json";
  const json j = read_model_json(dir);
  Model m;
  try {
    const json& p = j.at("prior");
    m.prior = Prior::make(Prior::kind_from_name(p.at("name").get<std::string>()), p.at("lambda").get<Real>(),
                          p.at("pi").get<Real>());
    m.sigma = j.at("sigma").get<Real>();
  } catch (const json::exception& e) {
    throw Error(file.string() + ": missing or malformed field (" + e.what() + "); re-create it with 'lsc train'.");
  }
  const Index K = j.value("K", Index(0)), D = j.value("D", Index(0));
  const io::NpyArray a = io::read_npy(dir / "dictionary.npy");
  require(a.shape.size() == 2 && Index(a.shape[0]) == K && Index(a.shape[1]) == D,
          (dir / "dictionary.npy").string() + ": expected shape (" + std::to_string(K) + ", " + std::to_string(D) +
              ") as model.json says; the run folder is inconsistent, re-create it with 'lsc train'.");
  m.A = Eigen::Map<const Matrix>(a.data.data(), D, K);
  m.validate();
  return m;
}

}  // namespace lsc::run
