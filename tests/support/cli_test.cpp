#include "cli_test.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>

namespace lsc::test {

CliResult CliTest::lsc(const std::string& args) {
  const std::filesystem::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
  const std::string cmd = std::string(LSC_BINARY) + " " + args + " > " + out.string() + " 2> " + err.string();
  const int raw = std::system(cmd.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
}

CliResult CliTest::lsc_with_limit(const std::string& ulimit, const std::string& args) {
  const std::filesystem::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
  const std::string cmd = "bash -c 'ulimit " + ulimit + " && exec " + std::string(LSC_BINARY) + " " + args +
                          "' > " + out.string() + " 2> " + err.string();
  const int raw = std::system(cmd.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
}

void CliTest::expect_one_sentence_error(const CliResult& r, const std::string& must_mention) {
  EXPECT_NE(r.status, 0);
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("lsc: error: ", 0), 0u) << r.err;
  EXPECT_EQ(r.err[r.err.size() - 2], '.') << r.err;
  EXPECT_NE(r.err.find(must_mention), std::string::npos) << r.err;
}

}  // namespace lsc::test
