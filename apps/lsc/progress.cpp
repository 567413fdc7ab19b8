#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace lsc::cli {

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}

void ProgressBar::update(std::uint64_t done, std::uint64_t total, const std::string& detail) {
  const auto now = std::chrono::steady_clock::now();
  const double frac = total ? double(done) / double(total) : 1.0;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
  if (tty_) {
    if (drawn_ && done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
    constexpr int width = 30;
    const int filled = static_cast<int>(frac * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%s [%s] %3.0f%% %6.1fs eta %5.1fs %s\033[K", label_.c_str(), bar.c_str(),
                 100 * frac, elapsed, eta, detail.c_str());
    last_draw_ = now;
    drawn_ = true;
  } else {
    const int decile = static_cast<int>(frac * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s %3d%% %.1fs %s\n", label_.c_str(), decile * 10, elapsed, detail.c_str());
  }
}

void ProgressBar::finish() {
  if (tty_ && drawn_) std::fputc('\n', stderr);
}

}  // namespace lsc::cli
