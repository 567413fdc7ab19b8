#pragma once
// The processes that share one batch: a rank of an MPI job, or a process alone. The step
// engines and learners talk to the other ranks only through this interface, so that they do not
// depend on MPI (the MPI implementation lives in its own library, lsc_mpi, linked by the lsc
// command; dist/mpi_session.hpp). Every call is collective over all ranks unless it says
// otherwise, and moves raw bytes: the ranks run the same binary on the same kind of machine.
#include <cstddef>
#include <memory>
#include <vector>

namespace lsc::dist {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Every rank's block, in rank order: rank r contributes bytes_of_rank[r] bytes from `mine`,
  // and `all` receives their concatenation.
  virtual void allgather(const void* mine, const std::vector<std::size_t>& bytes_of_rank, void* all) = 0;
  virtual void broadcast(void* data, std::size_t bytes, int root) = 0;
  // Element-wise sums over the ranks, in place, in an order MPI chooses (not bit-reproducible
  // across rank counts).
  virtual void allreduce_sum(float* data, std::size_t n) = 0;
  virtual void allreduce_sum(double* data, std::size_t n) = 0;
  // Point to point (not collective): send returns at once and keeps `data` until wait_sends().
  virtual void send(const void* data, std::size_t bytes, int to, int tag) = 0;
  virtual void receive(void* data, std::size_t bytes, int from, int tag) = 0;
  virtual void wait_sends() = 0;
};

// The process alone: rank 0 of 1 (every collective is a copy).
std::shared_ptr<Communicator> single_process();

}  // namespace lsc::dist
