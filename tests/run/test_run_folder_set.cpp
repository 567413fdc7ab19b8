// A run folder is one set of files (run_folder.hpp, run_lock.hpp): a folder whose files come from
// two runs, or whose writing stopped halfway, is refused on load with one sentence; a second
// writer is refused while the first holds the folder, and a dead holder leaves no stale lock.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "../support/temp_dir.hpp"
#include "lsc/data/bars.hpp"
#include "lsc/io/atomic_file.hpp"
#include "lsc/io/npy.hpp"
#include "lsc/run/run_folder.hpp"
#include "lsc/run/run_lock.hpp"

namespace {

using namespace lsc;
using namespace lsc::run;
using lsc::test::error_of;
namespace fs = std::filesystem;

class RunFolderSet : public lsc::test::TempDirTest {
 protected:
  TrainResult trained(std::uint64_t seed) {
    TrainConfig c;
    c.steps = 20;
    c.metrics_every = 10;
    c.seed = seed;
    const BarsSource bars(BarsOptions{});
    return train(resolve_defaults(c, bars.dim()), bars);
  }
};

TEST_F(RunFolderSet, FilesOfTwoRunsSideBySideAreRefused) {
  save_run(dir_ / "a", trained(1), {"bars", nullptr, std::nullopt});
  save_run(dir_ / "b", trained(2), {"bars", nullptr, std::nullopt});
  EXPECT_NO_THROW(load_model(dir_ / "a"));
  // What a kill between the renames leaves: b's dictionary beside a's model.json.
  fs::copy_file(dir_ / "b" / "dictionary.npy", dir_ / "a" / "dictionary.npy", fs::copy_options::overwrite_existing);
  const std::string e = error_of([&] { load_model(dir_ / "a"); });
  EXPECT_NE(e.find("incomplete or mixed (dictionary.npy does not match manifest.json)"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { load_run(dir_ / "a"); }).find("incomplete or mixed"), std::string::npos);
}

TEST_F(RunFolderSet, AFolderWhoseWritingStoppedIsRefusedAndAnOlderOneWithoutManifestLoads) {
  const TrainResult r = trained(1);
  save_run(dir_ / "run", r, {"bars", nullptr, std::nullopt});
  fs::remove(dir_ / "run" / "manifest.json");  // save_run's state until its last file
  EXPECT_NE(error_of([&] { load_model(dir_ / "run"); }).find("manifest.json is missing"), std::string::npos);
  // A folder of an lsc before manifests: its model.json names none, and it loads as before.
  nlohmann::json j = nlohmann::json::parse(lsc::test::slurp(dir_ / "run" / "model.json"));
  j.erase("manifest");
  io::write_file_atomic(dir_ / "run" / "model.json", j.dump(2));
  EXPECT_EQ(load_model(dir_ / "run").A, r.model.A);
  // Files the run folder does not own (a checkpoint, a user's plot) do not matter.
  save_run(dir_ / "run", r, {"bars", nullptr, std::nullopt});
  io::write_file_atomic(dir_ / "run" / "checkpoint.bin", "anything");
  io::write_file_atomic(dir_ / "run" / "my_plot.png", "anything");
  EXPECT_EQ(load_model(dir_ / "run").A, r.model.A);
}

TEST_F(RunFolderSet, ASecondWriterIsRefusedAndADeadHoldersLockIsNotStale) {
  {
    const RunFolderLock first(dir_ / "run");
    const std::string e = error_of([&] { RunFolderLock second(dir_ / "run"); });
    EXPECT_NE(e.find("is being written by another lsc process (pid " + std::to_string(::getpid()) + ")"), std::string::npos)
        << e;
  }
  EXPECT_NO_THROW(RunFolderLock again(dir_ / "run"));  // released with its holder
  // A holder killed with SIGKILL: the kernel drops its flock.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // only async-safe work and _exit here: no gtest in the child
    for (int i = 0; i < 200; ++i) {
      try {
        const RunFolderLock held(dir_ / "run");
        ::pause();
      } catch (...) {
        ::usleep(10000);
      }
    }
    ::_exit(1);
  }
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) {  // until the child holds it (at most 2 s)
    try {
      { RunFolderLock probe(dir_ / "run"); }
      ::usleep(10000);
    } catch (const Error&) {
      refused = true;
    }
  }
  EXPECT_TRUE(refused) << "the child never took the lock";
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_NO_THROW(RunFolderLock after(dir_ / "run"));
  io::write_file_atomic(dir_ / "a_file", "x");
  EXPECT_NE(error_of([&] { RunFolderLock on_a_file(dir_ / "a_file"); }).find("cannot create the run folder"), std::string::npos);
}

}  // namespace
