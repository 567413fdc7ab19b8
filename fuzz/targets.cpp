#include "targets.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lsc/core/error.hpp"
#include "lsc/data/patch_dataset.hpp"
#include "lsc/io/images.hpp"
#include "lsc/io/npy.hpp"
#include "lsc/run/checkpoint.hpp"
#include "lsc/run/records.hpp"
#include "lsc/run/run_folder.hpp"

namespace lsc::fuzz {

namespace fs = std::filesystem;

namespace {

// A folder of this process's own (the parsers read files), on tmpfs where there is one, removed
// when the process exits.
const fs::path& scratch() {
  struct Scratch {
    fs::path dir;
    Scratch() {
      const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
      dir = base / ("lsc_fuzz_" + std::to_string(::getpid()));
      fs::create_directories(dir);
    }
    ~Scratch() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  };
  static const Scratch scratch;
  return scratch.dir;
}

fs::path put(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const fs::path file = scratch() / name;
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), std::streamsize(size));
  return file;
}

template <class F>
void refused_cleanly(F&& f) {
  try {
    f();
  } catch (const lsc::Error&) {
    // the one-sentence refusal: fine
  }
}

void npy(const std::uint8_t* data, std::size_t size) {
  const fs::path file = put("x.npy", data, size);
  refused_cleanly([&] { io::read_npy(file); });
  refused_cleanly([&] { io::read_npy_rows(file); });
}

void image(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  static const char* const kinds[] = {".png", ".jpg", ".tif", ".mat", ".npy"};
  const fs::path file = put(std::string("image") + kinds[data[0] % 5], data + 1, size - 1);
  refused_cleanly([&] { io::read_images(file); });
}

// model.json as given, beside a valid dictionary.npy (K 2, D 3) and metrics.csv.
void model_json(const std::uint8_t* data, std::size_t size) {
  const fs::path dir = scratch() / "run";
  static const bool ready = [&] {
    fs::create_directories(dir);
    const double A[6] = {1, 0, 0, 0, 1, 0};
    io::write_npy(dir / "dictionary.npy", A, {2, 3});
    std::ofstream(dir / "metrics.csv") << "step,elapsed_s,reconstruction_error,active_fraction,pi,sigma,lambda,mean_norm\n"
                                          "10,0.5,0.1,0.2,0.3,0.5,1,1\n";
    return true;
  }();
  (void)ready;
  std::ofstream(dir / "model.json", std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), std::streamsize(size));
  refused_cleanly([&] { run::load_run(dir); });
  refused_cleanly([&] { run::load_model(dir); });
}

void metrics_csv(const std::uint8_t* data, std::size_t size) {
  const fs::path file = put("metrics.csv", data, size);
  refused_cleanly([&] { run::read_metrics_csv(file); });
}

void checkpoint(const std::uint8_t* data, std::size_t size) {
  const fs::path file = put("checkpoint.bin", data, size);
  static const run::TrainConfig config = [] {
    run::TrainConfig c;
    // The settings of the corpus' checkpoints: lsc train --data bars --steps 20
    // --checkpoint-every 10 --metrics-every 10 --seed 5.
    c.steps = 20;
    c.checkpoint_every = 10;
    c.metrics_every = 10;
    c.seed = 5;
    return run::resolve_defaults(c, 64);
  }();
  refused_cleanly([&] { run::load_checkpoint(file, config); });
}

void recipe(const std::uint8_t* data, std::size_t size) {
  refused_cleanly([&] {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(data, data + size);
    } catch (const nlohmann::json::exception&) {
      return;  // not JSON: the callers parse with their own message
    }
    const PatchDataOptions o = patch_options_from_json(j);
    (void)o;
    elements_in_pixel_space(Matrix::Identity(4, 2), j);
  });
}

}  // namespace

const std::vector<NamedTarget>& targets() {
  static const std::vector<NamedTarget> all = {{"npy", npy},         {"image", image},           {"model_json", model_json},
                                               {"metrics_csv", metrics_csv}, {"checkpoint", checkpoint}, {"recipe", recipe}};
  return all;
}

}  // namespace lsc::fuzz
