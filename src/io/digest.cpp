#include "lsc/io/digest.hpp"

#include <fstream>
#include <iomanip>
#include <sstream>

#include "lsc/core/error.hpp"

namespace lsc::io {

std::uint64_t fnv1a(const void* data, std::size_t size, std::uint64_t hash) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= p[i];
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string fnv1a_hex(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  require(in.good(), file.string() + ": cannot read it to check it; re-create it.");
  std::uint64_t hash = kFnvBasis;
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof buffer);
    hash = fnv1a(buffer, static_cast<std::size_t>(in.gcount()), hash);
  }
  std::ostringstream hex;
  hex << std::hex << std::setw(16) << std::setfill('0') << hash;
  return hex.str();
}

}  // namespace lsc::io
