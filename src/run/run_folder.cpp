#include "lsc/run/run_folder.hpp"
#include "lsc/run/evaluate_dictionary.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lsc/core/error.hpp"
#include "lsc/data/patch_dataset.hpp"
#include "lsc/eval/recovery.hpp"
#include "lsc/io/atomic_file.hpp"
#include "lsc/io/digest.hpp"
#include "lsc/run/records.hpp"
#include "lsc/io/npy.hpp"
#include "lsc/io/png.hpp"
#include "lsc/nn/activation.hpp"
#include "lsc/nn/dense.hpp"

namespace lsc::run {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kNetworks[] = {"shared", "mean", "variance"};

// The run folder as a set (issue: a kill or a full disk between the renames left new and old
// files side by side, which loaded as one run): save_run removes manifest.json first, names it in
// model.json, and writes it last with every file's size and FNV-1a digest; a folder whose
// model.json names a manifest loads only when the files match it.
constexpr const char* kManifest = "manifest.json";
// The files save_run writes (besides encoder/ for an SVAE and the manifest itself).
constexpr const char* kRunFiles[] = {"model.json", "dictionary.npy", "metrics.csv", "summary.json", "dictionary.png"};

// Lists the files save_run wrote (not checkpoint.bin, which training rewrites before the folder,
// nor what people or other commands add).
void write_manifest(const fs::path& dir, bool encoder) {
  std::vector<std::string> names(std::begin(kRunFiles), std::end(kRunFiles));
  if (encoder)
    for (const auto& entry : fs::directory_iterator(dir / "encoder"))
      if (entry.is_regular_file() && entry.path().filename().string().front() != '.')
        names.push_back("encoder/" + entry.path().filename().string());
  json files = json::object();
  for (const std::string& name : names)
    files[name] = {{"bytes", fs::file_size(dir / name)}, {"fnv1a64", io::fnv1a_hex(dir / name)}};
  io::write_file_atomic(dir / kManifest, json{{"files", files}}.dump(2) + "\n");
}

// Throws unless every file the manifest lists is there with its size and digest.
void check_manifest(const fs::path& dir) {
  const auto broken = [&](const std::string& why) {
    return Error(dir.string() + ": the run folder is incomplete or mixed (" + why +
                 "), as a run that stopped while writing it leaves it; re-create it with 'lsc train' "
                 "(with --resume if it wrote checkpoints), or remove \"manifest\" from model.json if you edited "
                 "the files on purpose.");
  };
  std::ifstream in(dir / kManifest);
  if (!in.good()) throw broken("manifest.json is missing");
  json m;
  try {
    in >> m;
    for (const auto& [name, f] : m.at("files").items()) {
      const fs::path file = dir / name;
      std::error_code ec;
      const auto bytes = fs::file_size(file, ec);
      if (ec || bytes != f.at("bytes").get<std::uintmax_t>() || io::fnv1a_hex(file) != f.at("fnv1a64").get<std::string>())
        throw broken(name + " does not match manifest.json");
    }
  } catch (const json::exception& e) {
    throw broken(std::string("manifest.json is malformed: ") + e.what());
  }
}

const nn::Mlp& network(const Svae& svae, const std::string& name) {
  return name == "shared" ? svae.shared_net() : name == "mean" ? svae.mean_net() : svae.variance_net();
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

namespace {

// The files of a run folder, into `dir` (save_run's staging folder).
void write_run_files(const fs::path& dir, const TrainResult& result, const RunInfo& info, const RunSummary* summary) {
  const Model& m = result.model;
  json model = {{"version", LSC_VERSION},
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
                {"config", config_json(result.config)},
                {"manifest", kManifest}};
  if (result.svae) model["encoder"] = "encoder/encoder.json";
  io::write_file_atomic(dir / "model.json", model.dump(2) + "\n");
  // A is D×K column-major: its bytes are the C-order (K, D) array.
  io::write_npy(dir / "dictionary.npy", m.A.data(),
                {static_cast<std::size_t>(m.K()), static_cast<std::size_t>(m.D())});
  io::write_file_atomic(dir / "metrics.csv", metrics_csv(result.metrics));
  const RunSummary computed =
      summary ? RunSummary{} : run_summary(result, info.truth ? &*info.truth : nullptr, info.preprocessing);
  io::write_file_atomic(dir / "summary.json",
                        to_json(summary ? *summary : computed, run_summary_fields()).dump(2) + "\n");
  save_mosaic(dir / "dictionary.png", elements_in_pixel_space(m.A, info.preprocessing));
  if (result.svae) save_encoder(dir / "encoder", *result.svae);
  write_manifest(dir, result.svae != nullptr);
}

}  // namespace

// Every file is first written to .incoming/ (a full disk or a bad value fails there, and the
// folder keeps the previous run whole), then renamed into place, which needs no space: the
// manifest goes out first and comes in last, so a kill between the renames leaves a folder that
// load refuses, never one that mixes two runs.
void save_run(const fs::path& dir, const TrainResult& result, const RunInfo& info, const RunSummary* summary) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  require(!ec && fs::is_directory(dir), dir.string() + ": cannot create the run folder (" +
                                            (ec ? ec.message() : "a file has that name") + "); choose a writable --out path.");
  const fs::path incoming = dir / ".incoming";
  fs::remove_all(incoming, ec);
  fs::create_directories(incoming, ec);
  require(!ec, incoming.string() + ": cannot create it (" + ec.message() + "); choose a writable --out path.");
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } cleanup{incoming};
  write_run_files(incoming, result, info, summary);

  const auto move_in = [&](const std::string& name) {
    std::error_code e;
    if (fs::is_directory(dir / name)) fs::remove_all(dir / name, e);  // encoder/: rename cannot replace a full folder
    if (!e) fs::rename(incoming / name, dir / name, e);
    require(!e, (dir / name).string() + ": cannot move it into place (" + e.message() + "); choose a writable --out path.");
  };
  fs::remove(dir / kManifest, ec);
  require(!ec, (dir / kManifest).string() + ": cannot replace it (" + ec.message() + "); choose a writable --out path.");
  for (const char* name : kRunFiles) move_in(name);
  if (result.svae) move_in("encoder");
  move_in(kManifest);
}

RunSummary run_summary(const TrainResult& result, const Matrix* truth, const nlohmann::json& preprocessing) {
  const Model& m = result.model;
  const MetricsRow last = result.metrics.empty() ? MetricsRow{} : result.metrics.back();
  RunSummary s;
  s.method = result.config.method;
  s.prior = m.prior.name();
  s.pi = m.prior.pi;
  s.lambda = m.prior.lambda;
  s.sigma = m.sigma;
  s.elapsed_s = result.elapsed_s;
  s.steps = last.step;
  s.acceptance = result.acceptance;
  s.tau_u_final = last.tau_u;
  if (result.svae) s.elbo = last.elbo;
  if (truth) {
    s.bars_best_abs_cosine = best_abs_cosine(*truth, m.A);
    s.bars_recovered = std::count_if(s.bars_best_abs_cosine.begin(), s.bars_best_abs_cosine.end(),
                                     [](Real b) { return b >= 0.95; });
  }
  if (preprocessing.is_object())
    s.dictionary_quality = dictionary_quality_json(dictionary_quality(m.A, preprocessing), false);
  return s;
}

void save_encoder(const fs::path& dir, const Svae& svae) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  require(!ec && fs::is_directory(dir), dir.string() + ": cannot create the encoder folder (" + ec.message() +
                                            "); choose a writable --out path.");
  json networks;
  for (const char* name : kNetworks) {
    const nn::Mlp& net = network(svae, name);
    json layers = json::array();
    for (std::size_t i = 0; i < net.size(); ++i) {
      const nn::Layer& layer = net.layer(i);
      json l = {{"type", layer.name()}};
      if (const auto* d = dynamic_cast<const nn::Dense*>(&layer)) {
        const std::string stem = std::string(name) + "_" + std::to_string(i);
        // W as (out, in), y = W x + b: the transpose's column-major bytes are that C-order array.
        const Matrix Wt = d->W.transpose();
        io::write_npy(dir / (stem + "_W.npy"), Wt.data(), {std::size_t(d->out()), std::size_t(d->in())});
        io::write_npy(dir / (stem + "_b.npy"), d->b.data(), {std::size_t(d->out())});
        l["in"] = d->in();
        l["out"] = d->out();
        l["W"] = stem + "_W.npy";
        l["b"] = stem + "_b.npy";
      }
      layers.push_back(l);
    }
    networks[name] = layers;
  }
  const json j = {{"about", "SVAE recognition model q(z|x) = N(mean(h), diag variance(h)), h = shared(x) (SVAE §4.2); "
                            "the variance network's sigmoid output is the variance itself; dense layers y = W x + b, "
                            "W stored as (out, in)"},
                  {"D", svae.D()},
                  {"K", svae.K()},
                  {"networks", networks}};
  io::write_file_atomic(dir / "encoder.json", j.dump(2) + "\n");
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
  if (j.contains("manifest")) check_manifest(dir);  // folders from before manifests have none
  return j;
}
}  // namespace

nlohmann::json load_preprocessing(const fs::path& dir) { return read_model_json(dir).value("preprocessing", json()); }

namespace {
// The model of a run folder whose model.json is j (read once by the callers).
Model model_of(const fs::path& dir, const json& j) {
  const fs::path file = dir / "model.json";
  Model m;
  Index K = 0, D = 0;
  try {
    const json& p = j.at("prior");
    m.prior = Prior::make(Prior::kind_from_name(p.at("name").get<std::string>()), p.at("lambda").get<Real>(),
                          p.at("pi").get<Real>());
    m.sigma = j.at("sigma").get<Real>();
    K = j.contains("K") ? fields_detail::integer_from_json<Index>(j["K"]) : 0;
    D = j.contains("D") ? fields_detail::integer_from_json<Index>(j["D"]) : 0;
  } catch (const json::exception& e) {
    throw Error(file.string() + ": missing or malformed field (" + e.what() + "); re-create it with 'lsc train'.");
  } catch (const fields_detail::OutOfRange&) {
    throw Error(file.string() + ": K or D is not an integer in range; re-create it with 'lsc train'.");
  }
  const io::NpyArray a = io::read_npy(dir / "dictionary.npy");
  require(a.shape.size() == 2 && Index(a.shape[0]) == K && Index(a.shape[1]) == D,
          (dir / "dictionary.npy").string() + ": expected shape (" + std::to_string(K) + ", " + std::to_string(D) +
              ") as model.json says; the run folder is inconsistent, re-create it with 'lsc train'.");
  m.A = Eigen::Map<const Matrix>(a.data.data(), D, K);
  m.validate();
  return m;
}
}  // namespace

Model load_model(const fs::path& dir) { return model_of(dir, read_model_json(dir)); }

namespace {
SavedRun saved_run_of(const fs::path& dir, const json& j) {
  const std::string what = (dir / "model.json").string();
  SavedRun run;
  TrainResult& r = run.result;
  if (j.contains("encoder")) {
    r.svae = std::make_shared<const Svae>(load_svae(dir));
    r.model = r.svae->model();
  } else {
    r.model = model_of(dir, j);
  }
  r.config = config_from_json(j.value("config", json::object()), what);
  // model.json keeps the method, prior and K beside the config too (older files only there).
  r.config.method = j.value("method", r.config.method);
  r.config.prior = r.model.prior.kind;
  r.config.K = r.model.K();
  r.elapsed_s = j.value("elapsed_s", 0.0);
  if (fs::exists(dir / "metrics.csv")) r.metrics = read_metrics_csv(dir / "metrics.csv");
  run.info.data = j.value("data", std::string());
  run.info.preprocessing = j.value("preprocessing", json());
  const fs::path summary_file = dir / "summary.json";
  if (std::ifstream in(summary_file); in) {
    json s;
    try {
      in >> s;
    } catch (const std::exception& e) {
      throw Error(summary_file.string() + ": not valid JSON (" + e.what() + "); delete it or re-create the run.");
    }
    run.summary.emplace();
    from_json(*run.summary, s, run_summary_fields(), summary_file.string());
    r.acceptance = run.summary->acceptance;
  }
  return run;
}
}  // namespace

SavedRun load_run(const fs::path& dir) {
  const json j = read_model_json(dir);
  const std::string what = (dir / "model.json").string();
  try {
    return saved_run_of(dir, j);
  } catch (const json::exception& e) {  // a field of the wrong type (found by fuzzing)
    throw Error(what + ": missing or malformed field (" + e.what() + "); re-create it with 'lsc train'.");
  }
}

Svae load_svae(const fs::path& dir) {
  Model model = load_model(dir);
  const fs::path file = dir / "encoder" / "encoder.json";
  std::ifstream in(file);
  require(in.good(), file.string() + ": no SVAE encoder here; pass a run folder written by 'lsc train --method svae'.");
  nn::Mlp nets[3];
  try {
    json j;
    in >> j;
    for (int k = 0; k < 3; ++k)
      for (const json& l : j.at("networks").at(kNetworks[k])) {
        const std::string type = l.at("type");
        if (type == "relu") {
          nets[k].add(std::make_unique<nn::Relu>());
        } else if (type == "sigmoid") {
          nets[k].add(std::make_unique<nn::Sigmoid>());
        } else if (type == "dense") {
          const Index n_in = l.at("in"), n_out = l.at("out");
          const io::NpyArray W = io::read_npy(dir / "encoder" / l.at("W").get<std::string>());
          const io::NpyArray b = io::read_npy(dir / "encoder" / l.at("b").get<std::string>());
          require(W.shape == std::vector<std::size_t>{std::size_t(n_out), std::size_t(n_in)} &&
                      b.shape == std::vector<std::size_t>{std::size_t(n_out)},
                  file.string() + ": a dense layer's arrays do not have the shapes it names; re-create the run with 'lsc train'.");
          auto d = std::make_unique<nn::Dense>(n_in, n_out);
          d->W = Eigen::Map<const Matrix>(W.data.data(), n_in, n_out).transpose();
          d->b = Eigen::Map<const Vector>(b.data.data(), n_out);
          nets[k].add(std::move(d));
        } else {
          throw Error(file.string() + ": unknown layer type '" + type + "'; re-create the run with 'lsc train'.");
        }
      }
  } catch (const json::exception& e) {
    throw Error(file.string() + ": missing or malformed field (" + e.what() + "); re-create the run with 'lsc train'.");
  }
  return Svae(std::move(model), std::move(nets[0]), std::move(nets[1]), std::move(nets[2]));
}

}  // namespace lsc::run
