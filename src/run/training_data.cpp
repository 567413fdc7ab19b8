#include "lsc/run/training_data.hpp"

#include <fstream>

#include "lsc/io/npy.hpp"

namespace lsc::run {

TrainingData open_training_data(const std::string& spec, TrainingDataOptions o) {
  TrainingData d;
  if (spec.rfind("images:", 0) == 0) {
    o.images.path = spec.substr(7);
    o.images.patches.seed = o.seed;
    PatchData p = load_patches(o.images);
    d.preprocessing = std::move(p.preprocessing);
    d.source = std::make_unique<ArraySource>(std::move(p.X), o.seed);
  } else if (spec == "bars") {
    o.bars.seed = o.seed;
    auto bars = std::make_unique<BarsSource>(o.bars);
    d.truth = bars->dictionary();
    d.source = std::move(bars);
  } else {
    d.source = std::make_unique<ArraySource>(io::read_npy_rows(spec), o.seed);
    if (std::ifstream in(spec + ".json"); in) d.preprocessing = nlohmann::json::parse(in, nullptr, false);
    if (d.preprocessing.is_discarded() || !d.preprocessing.contains("patch")) d.preprocessing = nullptr;
  }
  return d;
}

}  // namespace lsc::run
