#pragma once
// Sizes a user asks for (K, the batch, the chains, N) are checked against the machine's memory
// before anything is allocated: with Linux's overcommit a too-large allocation often succeeds and
// the process is killed later while touching it, with no sentence at all.
#include <cstdint>
#include <string>

namespace lsc {

// The bytes this process may use: the physical memory, lowered by a cgroup limit (containers,
// batch schedulers) and by RLIMIT_AS (ulimit -v) where they are set.
std::uint64_t memory_limit_bytes();

// Throws Error when `bytes` (an estimate, in double so that absurd sizes do not wrap) exceed
// memory_limit_bytes(): "<what> needs about X GB but this machine allows Y GB; <advice>."
void require_memory(double bytes, const std::string& what, const std::string& advice);

// "1.5 GB", "12 MB": a size as a sentence says it.
std::string bytes_text(double bytes);

}  // namespace lsc
