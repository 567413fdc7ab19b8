#pragma once
// MPI for the lsc command (docs/mpi.md). A process started by mpirun joins the job's ranks; any
// other process runs alone, exactly as a build without MPI does, so the same binary serves both.
// Only the command links this (library lsc_mpi): the library and the Python module never start
// MPI.
#include <memory>

#include "lsc/dist/communicator.hpp"

namespace lsc::dist {

// Whether Open MPI's launcher (mpirun, or a PMIx launcher) started this process, from its
// environment, without touching MPI.
bool launched_by_mpirun();

class MpiSession {
 public:
  // Initializes MPI when launched_by_mpirun(); throws Error with one sentence when it was but
  // this build has no MPI.
  MpiSession(int& argc, char**& argv);
  ~MpiSession();  // MPI_Finalize
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  // The job's ranks (MPI_COMM_WORLD), or single_process() outside MPI.
  std::shared_ptr<Communicator> world() const { return world_; }
  // Ends every rank of the job with this exit code (MPI_Abort); a process alone just exits.
  [[noreturn]] void abort(int code) const;

 private:
  bool active_ = false;
  std::shared_ptr<Communicator> world_;
};

}  // namespace lsc::dist
