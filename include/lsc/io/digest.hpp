#pragma once
// FNV-1a, 64 bits: the digest of run folders' manifests and of checkpoints, which catches the
// accidents files meet (a byte flipped, a truncation, a copy from another run), not an attacker.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace lsc::io {

constexpr std::uint64_t kFnvBasis = 1469598103934665603ull;

std::uint64_t fnv1a(const void* data, std::size_t size, std::uint64_t hash = kFnvBasis);

// The digest of a file's bytes as 16 hex digits; throws lsc::Error naming the file if it cannot
// be read.
std::string fnv1a_hex(const std::filesystem::path& file);

}  // namespace lsc::io
