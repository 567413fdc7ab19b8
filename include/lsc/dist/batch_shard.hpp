#pragma once
// A rank's share of a global batch of N chains (data-parallel learning, docs/mpi.md). The batch
// is cut into chunks of kChunkChains chains, the CPU step's unit of fixed-order sums
// (backend/cpu/step_kernel.hpp), and each rank holds a contiguous run of whole chunks. Every sum
// over chains is then a sum over chunks in chunk order, whichever rank computed each chunk, so the
// results do not depend on the number of ranks (backend/step_engine.hpp, "Ranks").
#include <memory>
#include <vector>

#include "lsc/core/types.hpp"
#include "lsc/dist/communicator.hpp"
#include "lsc/sampler/chain_state.hpp"

namespace lsc::dist {

inline constexpr Index kChunkChains = 128;

class BatchShard {
 public:
  // Chunks split as evenly as possible, the first ranks taking the larger shares. Throws Error
  // with one sentence when there are fewer chunks than ranks.
  BatchShard(std::shared_ptr<Communicator> ranks, Index total);

  Communicator& ranks() const { return *ranks_; }
  int rank() const { return ranks_->rank(); }
  int size() const { return ranks_->size(); }
  Index total() const { return total_; }                     // N, chains of the global batch
  Index first(int rank) const { return first_[static_cast<std::size_t>(rank)]; }
  Index count(int rank) const { return first(rank + 1) - first(rank); }
  Index first() const { return first(rank()); }  // this rank's
  Index count() const { return count(rank()); }
  Index chunks(int rank) const;                   // chunks of kChunkChains (the last may be short)
  Index first_chunk(int rank) const { return first(rank) / kChunkChains; }

  // The whole batch's chains on every rank (checkpoints), from each rank's own; the MALA counts
  // are global already (the engines sum them over the ranks) and taken from this rank.
  ChainState gather(const ChainState& mine) const;
  // This rank's columns of the whole batch's chains (a resume, with any number of ranks).
  ChainState slice(const ChainState& all) const;

 private:
  std::shared_ptr<Communicator> ranks_;
  Index total_;
  std::vector<Index> first_;  // size() + 1 entries; first_.back() = total_
};

}  // namespace lsc::dist
