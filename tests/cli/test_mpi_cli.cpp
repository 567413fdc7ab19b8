// Data-parallel learning under mpirun (docs/mpi.md): the same bytes for any number of ranks and
// without MPI, checkpoints that resume with another number of ranks, a killed rank that ends the
// job, and ranks that disagree refused. The ranks oversubscribe the two cores of CI on purpose:
// the results must not depend on timing.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "../support/cli_test.hpp"

namespace fs = std::filesystem;

namespace {

using lsc::test::CliResult;
using lsc::test::slurp;

class Mpi : public lsc::test::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
#if !defined(LSC_MPIRUN)
    GTEST_SKIP() << "lsc was built without MPI (apt-get install libopenmpi-dev openmpi-bin)";
#endif
  }

  // `mpirun -np P lsc ARGS` (root allowed, as CI runs; more ranks than cores allowed).
  static std::string mpirun(int P) {
#if defined(LSC_MPIRUN)
    return std::string(LSC_MPIRUN) + " --allow-run-as-root --oversubscribe -np " + std::to_string(P) + " ";
#else
    return "false " + std::to_string(P);
#endif
  }

  CliResult run_ranks(int P, const std::string& args) {
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    const std::string cmd = mpirun(P) + LSC_BINARY + " " + args + " > " + out.string() + " 2> " + err.string();
    const int raw = std::system(cmd.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
  }

  std::string dictionary(const fs::path& run) { return slurp(run / "dictionary.npy"); }

  static std::string without_times(const std::string& json) {
    std::istringstream in(json);
    std::string line, out;
    while (std::getline(in, line))
      if (line.find("elapsed_s") == std::string::npos) out += line + "\n";
    return out;
  }
};

// A short L0-LSC run with π, σ and λ learned (every statistic crosses the ranks) and a batch of
// 5 chunks, split 2-1-1-1 at P = 4.
const std::string kTrain = "train --data bars --batch 600 --steps 150 --tau-x 50 --learn-pi --learn-sigma "
                           "--learn-lambda --metrics-every 50 --quiet";

TEST_F(Mpi, SameDictionaryForAnyNumberOfRanksAndWithoutMpi) {
  const CliResult alone = lsc(kTrain + " --out " + (dir_ / "alone").string());
  ASSERT_EQ(alone.status, 0) << alone.err;
  const std::string reference = dictionary(dir_ / "alone");
  ASSERT_FALSE(reference.empty());
  const std::string model = slurp(dir_ / "alone" / "model.json");
  for (int P = 1; P <= 4; ++P) {
    const fs::path run = dir_ / ("ranks" + std::to_string(P));
    const CliResult r = run_ranks(P, kTrain + " --out " + run.string());
    ASSERT_EQ(r.status, 0) << "P = " << P << ": " << r.err;
    EXPECT_EQ(dictionary(run), reference) << "P = " << P;
    // π, σ and λ too: model.json holds them with every digit, and differs in the wall time only.
    EXPECT_EQ(without_times(slurp(run / "model.json")), without_times(model)) << "P = " << P;
    if (P > 1) EXPECT_NE(r.out.find("on " + std::to_string(P) + " ranks"), std::string::npos) << r.out;
  }
}

// MALA (accept/reject per chain, ε adapted from the global acceptance) with dead-zone jumps in
// float64, on an .npy data set read by every rank.
TEST_F(Mpi, MalaWithJumpsInFloat64MatchesOneProcess) {
  const std::string data = (dir_ / "X.npy").string();
  ASSERT_EQ(lsc("generate bars --n 2000 --out " + data).status, 0);
  const std::string args = "train --data " + data + " --batch 300 --steps 120 --tau-x 40 --sampler mala "
                           "--dead-zone-jumps --learn-pi --dtype float64 --quiet --out ";
  ASSERT_EQ(lsc(args + (dir_ / "alone").string()).status, 0);
  const CliResult r = run_ranks(3, args + (dir_ / "three").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(dictionary(dir_ / "three"), dictionary(dir_ / "alone"));
}

// A checkpoint written by 3 ranks continues with 2 ranks, and one written by 2 ranks without MPI,
// to the bytes of the uninterrupted run.
TEST_F(Mpi, CheckpointsResumeWithAnotherNumberOfRanks) {
  const std::string base = "train --data bars --batch 600 --tau-x 50 --learn-pi --metrics-every 50 --quiet ";
  ASSERT_EQ(lsc(base + "--steps 300 --out " + (dir_ / "straight").string()).status, 0);
  const std::string reference = dictionary(dir_ / "straight");
  const std::string first = base + "--checkpoint-every 50 --steps 150 --out " + (dir_ / "run").string();
  ASSERT_EQ(run_ranks(3, first).status, 0);
  const std::string rest = base + "--checkpoint-every 50 --steps 300 --resume --out " + (dir_ / "run").string();
  fs::copy(dir_ / "run", dir_ / "run_copy", fs::copy_options::recursive);
  const CliResult two = run_ranks(2, rest);
  ASSERT_EQ(two.status, 0) << two.err;
  EXPECT_EQ(dictionary(dir_ / "run"), reference);
  const CliResult alone = lsc(base + "--checkpoint-every 50 --steps 300 --resume --out " + (dir_ / "run_copy").string());
  ASSERT_EQ(alone.status, 0) << alone.err;
  EXPECT_EQ(dictionary(dir_ / "run_copy"), reference);
}

// The pid of the rank `rank` of the job writing into `out` (Open MPI tells each rank its number).
pid_t rank_pid(const std::string& out, int rank) {
  const std::string want = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp(entry.path() / "cmdline"), environ = slurp(entry.path() / "environ");
    for (char& c : cmdline) c = c ? c : ' ';
    if (cmdline.find(LSC_BINARY) == std::string::npos || cmdline.find(out) == std::string::npos) continue;
    if (cmdline.find("mpirun") != std::string::npos) continue;
    for (char& c : environ) c = c ? c : '\n';
    if (("\n" + environ).find("\n" + want + "\n") != std::string::npos) return static_cast<pid_t>(std::stoi(name));
  }
  return 0;
}

// kill -9 of one rank ends the whole job within seconds, mpirun's report names the rank, and the
// last checkpoint then resumes (with another number of ranks) to the uninterrupted run's bytes.
TEST_F(Mpi, KilledRankEndsTheJobAndTheCheckpointResumes) {
  const std::string out = (dir_ / "killed").string();
  const std::string base = "train --data bars --batch 512 --tau-x 50 --metrics-every 100 --checkpoint-every 100 --quiet ";
  const std::string err = (dir_ / "killed.err").string();
  const std::string cmd = mpirun(2) + LSC_BINARY + " " + base + "--steps 100000000 --out " + out + " > /dev/null 2> " + err;
  const pid_t launcher = fork();
  ASSERT_GE(launcher, 0);
  if (launcher == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait for the first checkpoint, then kill rank 1.
  const auto waited = [](auto start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const auto start = std::chrono::steady_clock::now();
  pid_t victim = 0;
  while (waited(start) < 120 && !(fs::exists(fs::path(out) / "checkpoint.bin") && (victim = rank_pid(out, 1))))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_GT(victim, 0) << "no checkpoint or no rank 1 within two minutes";
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  const auto killed = std::chrono::steady_clock::now();
  int status = 0;
  while (waitpid(launcher, &status, WNOHANG) == 0 && waited(killed) < 60)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const double seconds = waited(killed);
  if (seconds >= 60) kill(launcher, SIGKILL), waitpid(launcher, &status, 0);
  EXPECT_LT(seconds, 10) << "the job outlived its killed rank";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
  const std::string report = slurp(err);
  EXPECT_NE(report.find("process rank 1"), std::string::npos) << report;
  std::cout << "job ended " << seconds << " s after rank 1 was killed\n";

  // The checkpoint holds some multiple of 100 steps; run on to 1000 with 3 ranks and compare.
  const CliResult resumed = run_ranks(3, base + "--steps 1000 --resume --out " + out);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  ASSERT_EQ(lsc(base + "--steps 1000 --out " + (dir_ / "straight").string()).status, 0);
  EXPECT_EQ(dictionary(out), dictionary(dir_ / "straight"));
}

TEST_F(Mpi, RanksWithOtherOptionsOrDataAreRefused) {
  const std::string args = "train --data bars --batch 512 --steps 50 --quiet --out " + (dir_ / "run").string();
  // Two commands in one job (mpirun's MPMD form): rank 1 asks for another K.
  const std::string job = mpirun(1) + LSC_BINARY + " " + args + " : -np 1 " + LSC_BINARY + " " + args + " --K 32";
  const std::string err = (dir_ / "err.txt").string();
  const int raw = std::system((job + " > /dev/null 2> " + err).c_str());
  EXPECT_FALSE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0);
  const std::string report = slurp(err);
  EXPECT_NE(report.find("lsc: error on rank 0 of 2: rank 1 was started with K = 32 where rank 0 has 16; start every "
                        "rank with the same command and data."),
            std::string::npos)
      << report;
  EXPECT_FALSE(fs::exists(dir_ / "run" / "dictionary.npy"));

  // A batch with fewer chunks of 128 chains than ranks, and a method that does not split.
  CliResult r = run_ranks(3, "train --data bars --batch 200 --steps 50 --quiet --out " + (dir_ / "small").string());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("fewer than the 3 ranks; pass --batch 384 or more, or start fewer ranks."), std::string::npos) << r.err;
  r = run_ranks(2, "train --method dsc --data bars --steps 50 --quiet --out " + (dir_ / "dsc").string());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("run dsc as one process (without mpirun)."), std::string::npos) << r.err;
}

}  // namespace
