// MPI_COMM_WORLD behind dist::Communicator (lsc_mpi; compiled without MPI, the session only
// refuses to run under mpirun).
#include "lsc/dist/mpi_session.hpp"

#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "lsc/core/error.hpp"

#if defined(LSC_HAVE_MPI)
#include <mpi.h>
#endif

namespace lsc::dist {

bool launched_by_mpirun() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(name)) return true;
  return false;
}

#if defined(LSC_HAVE_MPI)
namespace {

int count_of(std::size_t n, const char* what) {
  require(n <= static_cast<std::size_t>(std::numeric_limits<int>::max()),
          std::string("a message of ") + std::to_string(n) + " " + what +
              " exceeds MPI's int counts; use a smaller dictionary or batch per rank.");
  return static_cast<int>(n);
}

// Errors come back as codes (MPI_ERRORS_RETURN) and become one sentence; a rank that died is
// usually reported by mpirun first, which then ends every other rank.
void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string(call) + " failed (" + std::string(text, static_cast<std::size_t>(length)) +
              "); another rank probably ended; see mpirun's report above and resume from the last checkpoint.");
}

class MpiWorld final : public Communicator {
 public:
  MpiWorld() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiWorld() override {
    if (!requests_.empty()) MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void allgather(const void* mine, const std::vector<std::size_t>& bytes, void* all) override {
    std::vector<int> counts(bytes.size()), offsets(bytes.size());
    std::size_t offset = 0;
    for (std::size_t r = 0; r < bytes.size(); ++r) {
      counts[r] = count_of(bytes[r], "bytes");
      offsets[r] = count_of(offset, "bytes");
      offset += bytes[r];
    }
    check(MPI_Allgatherv(mine, counts[static_cast<std::size_t>(rank_)], MPI_BYTE, all, counts.data(), offsets.data(),
                         MPI_BYTE, MPI_COMM_WORLD),
          "MPI_Allgatherv");
  }
  void broadcast(void* data, std::size_t bytes, int root) override {
    check(MPI_Bcast(data, count_of(bytes, "bytes"), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
  }
  void allreduce_sum(float* data, std::size_t n) override {
    check(MPI_Allreduce(MPI_IN_PLACE, data, count_of(n, "values"), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  }
  void allreduce_sum(double* data, std::size_t n) override {
    check(MPI_Allreduce(MPI_IN_PLACE, data, count_of(n, "values"), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  }
  void send(const void* data, std::size_t bytes, int to, int tag) override {
    MPI_Request request;
    check(MPI_Isend(data, count_of(bytes, "bytes"), MPI_BYTE, to, tag, MPI_COMM_WORLD, &request), "MPI_Isend");
    requests_.push_back(request);
  }
  void receive(void* data, std::size_t bytes, int from, int tag) override {
    check(MPI_Recv(data, count_of(bytes, "bytes"), MPI_BYTE, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  }
  void wait_sends() override {
    if (requests_.empty()) return;
    const int code = MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE);
    requests_.clear();
    check(code, "MPI_Waitall");
  }

 private:
  int rank_ = 0, size_ = 1;
  std::vector<MPI_Request> requests_;
};

}  // namespace

MpiSession::MpiSession(int& argc, char**& argv) {
  if (!launched_by_mpirun()) {
    world_ = single_process();
    return;
  }
  // The OpenMP threads of a rank never call MPI: the step talks to the other ranks between its
  // parallel regions.
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  active_ = true;
  world_ = std::make_shared<MpiWorld>();
}

MpiSession::~MpiSession() {
  world_.reset();
  if (active_) MPI_Finalize();
}

void MpiSession::abort(int code) const {
  if (active_) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

#else

MpiSession::MpiSession(int&, char**&) {
  world_ = single_process();
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  require(!(size && std::string(size) != "1"),
          "mpirun started " + std::string(size ? size : "several") +
              " ranks but this lsc was built without MPI; install libopenmpi-dev and rebuild (bash scripts/setup.sh).");
}

MpiSession::~MpiSession() = default;

void MpiSession::abort(int code) const { std::exit(code); }

#endif

}  // namespace lsc::dist
