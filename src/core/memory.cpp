#include "lsc/core/memory.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sys/resource.h>
#include <unistd.h>

#include "lsc/core/error.hpp"

namespace lsc {

std::uint64_t memory_limit_bytes() {
  // Once per process: the checks sit on paths called per batch.
  static const std::uint64_t limit = [] {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    std::uint64_t bytes = pages > 0 && page > 0 ? std::uint64_t(pages) * std::uint64_t(page) : UINT64_MAX;
    // cgroup v2 writes "max" when unlimited, which reads as no number.
    std::ifstream cgroup("/sys/fs/cgroup/memory.max");
    std::uint64_t cgroup_max = 0;
    if (cgroup >> cgroup_max && cgroup_max > 0) bytes = std::min(bytes, cgroup_max);
    rlimit as{};
    if (::getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) bytes = std::min<std::uint64_t>(bytes, as.rlim_cur);
    return bytes;
  }();
  return limit;
}

std::string bytes_text(double bytes) {
  const double unit = bytes >= 1e12 ? 1e12 : bytes >= 1e9 ? 1e9 : 1e6;
  const double value = bytes / unit;
  char text[48];
  // Three digits, but never an exponent ("1280 TB", not "1.28e+03 TB").
  std::snprintf(text, sizeof text, value >= 100 ? "%.0f %s" : "%.3g %s", value,
                unit == 1e12 ? "TB" : unit == 1e9 ? "GB" : "MB");
  return text;
}

void require_memory(double bytes, const std::string& what, const std::string& advice) {
  const double limit = double(memory_limit_bytes());
  require(bytes <= limit, what + " needs about " + bytes_text(bytes) + " of memory but this machine allows " +
                              bytes_text(limit) + "; " + advice + ".");
}

}  // namespace lsc
