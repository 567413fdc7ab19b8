#pragma once
// A progress bar on stderr: redrawn in place on a terminal, a line per 10 % otherwise (logs).
#include <chrono>
#include <cstdint>
#include <string>

namespace lsc::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  // done of total units; `detail` is shown after the bar (e.g. current π and error).
  void update(std::uint64_t done, std::uint64_t total, const std::string& detail = "");
  void finish();

 private:
  std::string label_;
  bool tty_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

}  // namespace lsc::cli
