#pragma once
// Plots are drawn by the matplotlib scripts in scripts/, run by the front ends after the core has
// written the numbers (the core library never starts a process).
#include <filesystem>
#include <string>
#include <vector>

namespace lsc::cli {

// Runs /usr/bin/python3 scripts/SCRIPT ARGS... Returns when the plots were drawn, and also, after
// one line on stderr, when matplotlib (the scripts exit 2 after saying so) or /usr/bin/python3 is
// missing: the numbers in `out` stand alone. Throws Error naming the command to rerun otherwise.
void run_plot_script(const std::string& script, const std::vector<std::string>& args, const std::filesystem::path& out);

}  // namespace lsc::cli
