#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "lsc/core/error.hpp"

namespace lsc::experiment::detail {

void say(const Options& o, const std::string& line) {
  if (o.log) o.log(line);
}

Real quantile(std::vector<Real> v, Real q) {
  std::sort(v.begin(), v.end());
  const Real pos = q * Real(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - Real(lo)) * (v[hi] - v[lo]);
}

std::vector<Real> sorted_norms(const Matrix& A) {
  std::vector<Real> n;
  for (Index k = 0; k < A.cols(); ++k) n.push_back(A.col(k).norm());
  std::sort(n.rbegin(), n.rend());
  return n;
}

fs::path images_path(const Options& o) {
  fs::path p = o.images;
  if (p.empty()) {
    const char* env = std::getenv("LSC_IMAGES");
    p = env && *env ? fs::path(env)
                    : fs::path(LSC_SCRIPTS_DIR).parent_path().parent_path() / "shared/data/bsds300/images/train";
  }
  require(fs::exists(p), "the natural-image experiments need images, and " + p.string() +
                             " does not exist; pass --images PATH (a folder of images such as BSDS300's images/train, "
                             "or Olshausen's IMAGES.mat).");
  return p;
}

std::function<void(const run::MetricsRow&, std::uint64_t)> progress_of(const Options& o) {
  if (!o.progress) return {};
  return [&o](const run::MetricsRow& row, std::uint64_t total) {
    char detail[96];
    std::snprintf(detail, sizeof detail, "pi %.4f, mean |A_k| %.3f, tau_u %.0f", row.pi, row.mean_norm, row.tau_u);
    o.progress(row.step, total, detail);
  };
}

void use_paper_dynamics(run::TrainConfig& c) {
  c.sampler = "euler";
  c.tau_u = 20;
  c.tau_x = 400;
  c.hold_burn_in = 0;
}

}  // namespace lsc::experiment::detail
