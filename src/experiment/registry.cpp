// The experiment registry: one list of names, one way to run them.
#include <algorithm>

#include "common.hpp"
#include "lsc/core/error.hpp"

namespace lsc::experiment {

using namespace detail;

const std::vector<Experiment>& registry() {
  static const std::vector<Experiment> all = {
      {"fig4a", "MAP (DSC, LCA) activity against lambda on bars with pi = 0.3 and 0.1: lambda sets sparsity only indirectly", fig4a},
      {"fig4b", "L0-LSC learns pi from 0.5 on bars with pi = 0.3 and 0.1", fig4b},
      {"fig5", "coefficient histograms of DSC, LCA and L0-LSC against the prior, learned and random dictionaries", fig5},
      {"fig10", "KL(prior || coefficients) during training of DSC, LCA and L0-LSC (app. B)", fig10},
      {"fig6", "K = 32 with pi fixed: element norms bifurcate, 16 bars stay, 16 vanish", fig6},
      {"fig7", "K = 32 with norms and pi learned: duplicated bars with halved activity", fig7},
      {"fig8", "natural images, K = 256 with pi fixed at 0.5: a little over half of the elements keep a significant norm", fig8},
      {"fig9", "natural images, pi learned at overcompleteness 1x-4x: pi K stays nearly constant", fig9},
      {"table1", "SVAE Table 1 extended: SVAE, O&F (DSC), LSC and L0-LSC on 12x12 PCA-whitened patches, AIS test log-likelihood", table1},
  };
  return all;
}

json run(const std::string& name, const Options& o) {
  const auto& all = registry();
  const auto it = std::find_if(all.begin(), all.end(), [&](const Experiment& e) { return e.name == name; });
  if (it == all.end()) {
    std::string names;
    for (const Experiment& e : all) names += (names.empty() ? "" : ", ") + e.name;
    throw Error("unknown experiment '" + name + "'; choose one of " + names + " (lsc experiment --list).");
  }
  std::error_code ec;
  fs::create_directories(o.out, ec);
  require(!ec, o.out.string() + ": cannot create the output folder (" + ec.message() + "); choose a writable --out.");
  json summary = it->run(o);
  summary["experiment"] = name;
  summary["quick"] = o.quick;
  io::write_file_atomic(o.out / "summary.json", summary.dump(2) + "\n");
  return summary;
}

}  // namespace lsc::experiment
