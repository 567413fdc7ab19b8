#include "lsc/run/evaluate_dictionary.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "lsc/core/error.hpp"
#include "lsc/core/parallel.hpp"
#include "lsc/data/patch_dataset.hpp"
#include "lsc/io/atomic_file.hpp"
#include "lsc/run/run_folder.hpp"

namespace lsc::run {

namespace fs = std::filesystem;
using nlohmann::json;

std::pair<Index, Index> dictionary_patch_shape(Index pixels, const json& recipe, Index rows, Index cols) {
  require((rows > 0) == (cols > 0), "pass both --patch-rows and --patch-cols, or neither.");
  if (rows > 0) {
    require(rows * cols == pixels, "--patch-rows x --patch-cols is " + std::to_string(rows * cols) +
                                       " but the elements have " + std::to_string(pixels) +
                                       " pixels; pass a shape whose product is " + std::to_string(pixels) + ".");
    return {rows, cols};
  }
  if (recipe.is_object() && recipe.contains("patch") && recipe["patch"].is_number_integer()) {
    const Index p = recipe["patch"].get<Index>();
    if (p * p == pixels) return {p, p};
  }
  const auto side = static_cast<Index>(std::llround(std::sqrt(double(pixels))));
  require(side * side == pixels, "the elements have " + std::to_string(pixels) +
                                     " pixels, which is not a square, and the run records no patch size; pass "
                                     "--patch-rows and --patch-cols (patch_shape in Python).");
  return {side, side};
}

DictionaryQuality dictionary_quality(const Matrix& A, const json& recipe, const DictionaryQualityOptions& options,
                                     Index patch_rows, Index patch_cols) {
  const Matrix pixels = elements_in_pixel_space(A, recipe);
  const auto [rows, cols] = dictionary_patch_shape(pixels.rows(), recipe, patch_rows, patch_cols);
  return evaluate_dictionary(A, pixels, rows, cols, options);
}

namespace {
// NaN (no unused element, or no used one) is written as null.
json number(Real v) { return std::isfinite(v) ? json(v) : json(nullptr); }
}  // namespace

json dictionary_quality_json(const DictionaryQuality& q, bool per_element) {
  const Index K = Index(q.elements.size());
  json j = {{"K", K},
            {"patch_rows", q.patch_rows},
            {"patch_cols", q.patch_cols},
            {"used", q.used},
            {"used_fraction", q.used_fraction},
            {"bimodal", q.split.bimodal},
            {"norm_threshold", q.split.threshold},
            {"ashman_d", number(q.split.ashman_d)},
            {"mode_ratio", number(q.split.mode_ratio)},
            {"r2_threshold", q.r2_threshold},
            {"gabor_fraction", q.gabor_fraction},
            {"median_used_r2", number(q.median_used_r2)},
            {"median_used_norm", number(q.median_used_norm)},
            {"largest_unused_to_median_used_norm", number(q.unused_to_used_norm)},
            {"median_unused_to_median_used_norm", number(q.median_unused_to_used_norm)}};
  if (!per_element) return j;
  json el = json::array();
  for (Index k = 0; k < K; ++k) {
    const ElementQuality& e = q.elements[std::size_t(k)];
    const GaborParams& p = e.fit.params;
    el.push_back({{"index", k},
                  {"norm", e.norm},
                  {"used", e.used},
                  {"r2", e.fit.r2},
                  {"x0", p.x0},
                  {"y0", p.y0},
                  {"theta", p.theta},
                  {"frequency", p.frequency},
                  {"phase", p.phase},
                  {"sigma_x", p.sigma_x},
                  {"sigma_y", p.sigma_y},
                  {"amplitude", p.amplitude}});
  }
  j["conventions"] =
      "pixel (r, c) of an element is x = c, y = r (rows downward), 0 at the first pixel's centre; "
      "g = amplitude * exp(-x'^2/(2 sigma_x^2) - y'^2/(2 sigma_y^2)) * cos(2 pi frequency x' + phase), "
      "x' = (x - x0) cos theta + (y - y0) sin theta, y' = -(x - x0) sin theta + (y - y0) cos theta; "
      "theta is the wave vector's direction (the stripes run along theta + pi/2), frequency in cycles per pixel; "
      "norm is the element's norm as learned (the model's coordinates), the fits are in pixel space";
  j["elements"] = std::move(el);
  return j;
}

std::string gabor_fits_csv(const DictionaryQuality& q) {
  std::ostringstream out;
  out << "index,norm,used,r2,x0,y0,theta,frequency,phase,sigma_x,sigma_y,amplitude\n" << std::setprecision(9);
  for (std::size_t k = 0; k < q.elements.size(); ++k) {
    const ElementQuality& e = q.elements[k];
    const GaborParams& p = e.fit.params;
    out << k << ',' << e.norm << ',' << (e.used ? 1 : 0) << ',' << e.fit.r2 << ',' << p.x0 << ',' << p.y0 << ','
        << p.theta << ',' << p.frequency << ',' << p.phase << ',' << p.sigma_x << ',' << p.sigma_y << ','
        << p.amplitude << '\n';
  }
  return out.str();
}

DictionaryEvalResult evaluate_dictionary_run(const DictionaryEvalConfig& c) {
  require(fs::is_directory(c.run), c.run.string() + ": no such run folder; pass a folder written by 'lsc train'.");
  set_threads(c.threads);
  const Model model = load_model(c.run);
  const json recipe = load_preprocessing(c.run);
  DictionaryQualityOptions o;
  o.r2_threshold = c.r2_threshold;
  DictionaryEvalResult r;
  r.quality = dictionary_quality(model.A, recipe, o, c.patch_rows, c.patch_cols);
  r.out = c.out.empty() ? c.run : c.out;
  std::error_code ec;
  fs::create_directories(r.out, ec);
  require(!ec && fs::is_directory(r.out),
          r.out.string() + ": cannot create the output folder (" + ec.message() + "); choose a writable --out.");
  r.summary = dictionary_quality_json(r.quality);
  r.summary["run"] = c.run.string();
  io::write_file_atomic(r.out / "dictionary_quality.json", r.summary.dump(2) + "\n");
  io::write_file_atomic(r.out / "gabor_fits.csv", gabor_fits_csv(r.quality));
  return r;
}

}  // namespace lsc::run
