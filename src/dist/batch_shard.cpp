#include "lsc/dist/batch_shard.hpp"

#include <cstring>

#include "lsc/core/error.hpp"

namespace lsc::dist {

namespace {

// One process: every collective is a copy of this rank's data.
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allgather(const void* mine, const std::vector<std::size_t>& bytes, void* all) override {
    if (bytes[0] > 0 && all != mine) std::memmove(all, mine, bytes[0]);
  }
  void broadcast(void*, std::size_t, int) override {}
  void allreduce_sum(float*, std::size_t) override {}
  void allreduce_sum(double*, std::size_t) override {}
  void send(const void*, std::size_t, int, int) override {
    throw Error("a process alone has no other rank to send to.");
  }
  void receive(void*, std::size_t, int, int) override {
    throw Error("a process alone has no other rank to receive from.");
  }
  void wait_sends() override {}
};

}  // namespace

std::shared_ptr<Communicator> single_process() { return std::make_shared<SingleProcess>(); }

BatchShard::BatchShard(std::shared_ptr<Communicator> ranks, Index total) : ranks_(std::move(ranks)), total_(total) {
  require(ranks_ != nullptr, "a batch shard needs its ranks.");
  const Index P = ranks_->size(), chunks = (total + kChunkChains - 1) / kChunkChains;
  require(total > 0, "the batch must hold at least one chain; pass e.g. --batch 200.");
  require(chunks >= P, "a batch of " + std::to_string(total) + " chains makes " + std::to_string(chunks) +
                           " chunks of " + std::to_string(kChunkChains) + " chains, fewer than the " +
                           std::to_string(P) + " ranks; pass --batch " + std::to_string(kChunkChains * P) +
                           " or more, or start fewer ranks.");
  first_.resize(static_cast<std::size_t>(P + 1));
  for (Index r = 0; r <= P; ++r) {
    // Rank r starts at chunk ⌊r·C/P⌋ + ... : the remainder goes to the first ranks.
    const Index chunk = r * (chunks / P) + std::min(r, chunks % P);
    first_[static_cast<std::size_t>(r)] = std::min(total, chunk * kChunkChains);
  }
}

Index BatchShard::chunks(int rank) const { return (count(rank) + kChunkChains - 1) / kChunkChains; }

ChainState BatchShard::gather(const ChainState& mine) const {
  require(mine.U.cols() == count(), "this rank holds " + std::to_string(mine.U.cols()) + " chains, not its share of " +
                                        std::to_string(count()) + ".");
  ChainState all = mine;
  const Index K = mine.U.rows();
  all.U.resize(K, total_);
  std::vector<std::size_t> bytes(static_cast<std::size_t>(size()));
  for (int r = 0; r < size(); ++r) bytes[static_cast<std::size_t>(r)] = static_cast<std::size_t>(K * count(r)) * sizeof(Real);
  ranks_->allgather(mine.U.data(), bytes, all.U.data());
  all.chain.resize(static_cast<std::size_t>(total_));
  for (int r = 0; r < size(); ++r) bytes[static_cast<std::size_t>(r)] = static_cast<std::size_t>(count(r)) * sizeof(std::uint64_t);
  ranks_->allgather(mine.chain.data(), bytes, all.chain.data());
  return all;
}

ChainState BatchShard::slice(const ChainState& all) const {
  require(all.U.cols() == total_, "the saved chains number " + std::to_string(all.U.cols()) + ", not the batch's " +
                                      std::to_string(total_) + "; resume with the --batch the run was started with.");
  ChainState mine = all;
  mine.U = all.U.middleCols(first(), count());
  mine.chain.assign(all.chain.begin() + first(), all.chain.begin() + first() + count());
  return mine;
}

}  // namespace lsc::dist
