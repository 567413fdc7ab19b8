#pragma once
// What the experiments share (private to src/experiment): CSV tables, quantiles, norm traces,
// and the experiment functions the registry lists.
#include <filesystem>
#include <functional>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lsc/experiment/experiment.hpp"
#include "lsc/io/atomic_file.hpp"
#include "lsc/model/model.hpp"
#include "lsc/run/train.hpp"

namespace lsc::experiment::detail {

namespace fs = std::filesystem;
using nlohmann::json;

// A CSV table built row by row and written atomically.
class Csv {
 public:
  explicit Csv(const std::string& header) { out_ << header << '\n' << std::setprecision(8); }
  template <class... T>
  void row(const T&... values) {
    std::size_t i = 0;
    ((out_ << (i++ ? "," : "") << values), ...);
    out_ << '\n';
  }
  void save(const fs::path& file) const { io::write_file_atomic(file, out_.str()); }

 private:
  std::ostringstream out_;
};

void say(const Options& o, const std::string& line);

// Linear interpolation between order statistics (numpy's default quantile).
Real quantile(std::vector<Real> v, Real q);

// Norms of every element at every metrics row (Fig. 6-9).
struct NormTrace {
  Csv csv{"step,element,norm"};
  void record(const run::MetricsRow& r, const Model& m) {
    for (Index k = 0; k < m.K(); ++k) csv.row(r.step, k, m.A.col(k).norm());
  }
};

// The natural images: Options::images, else $LSC_IMAGES, else BSDS300's training images in
// ../shared/data beside the repository; a one-sentence error when there are none.
fs::path images_path(const Options& o);

// A training run's metrics rows as Options::progress calls (π, mean norm, τ_u as the detail);
// empty when the caller wants no progress.
std::function<void(const run::MetricsRow&, std::uint64_t)> progress_of(const Options& o);

// The authors' coefficient dynamics (science.md): Euler-Maruyama at τ_u = 20, each batch held
// τ_X = 400 steps, the dictionary learning at every step.
void use_paper_dynamics(run::TrainConfig& c);

// ‖A_k‖ of every element, largest first.
std::vector<Real> sorted_norms(const Matrix& A);

// The bars experiments (bars_experiments.cpp) and the natural-image ones (image_experiments.cpp).
json fig4a(const Options& o);
json fig4b(const Options& o);
json fig5(const Options& o);
json fig10(const Options& o);
json fig6(const Options& o);
json fig7(const Options& o);
json fig8(const Options& o);
json fig9(const Options& o);
json table1(const Options& o);

}  // namespace lsc::experiment::detail
