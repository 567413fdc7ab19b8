#include "lsc/sampler/chain_state.hpp"

#include <numeric>

namespace lsc {

ChainState ChainState::zeros(Index K, Index N, std::uint64_t first_chain) {
  ChainState c;
  c.U = Matrix::Zero(K, N);
  c.chain.resize(static_cast<std::size_t>(N));
  std::iota(c.chain.begin(), c.chain.end(), first_chain);
  return c;
}

}  // namespace lsc
