// lsc's OpenMP threads sleep when they wait, whatever the environment (issue 19): libgomp in the
// lsc command reports a spin count of 0 unless the user asked for another policy. (The spin count
// is what tells: libgomp prints OMP_WAIT_POLICY 'PASSIVE' for its spinning default too.) The
// timing under load is the ctest case load_contention (bench/load_test.py).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "../support/temp_dir.hpp"

namespace {

using lsc::test::slurp;

class WaitPolicy : public lsc::test::TempDirTest {
 protected:
  // What libgomp prints of its settings when it starts in `lsc --version` under this environment.
  std::string settings(const std::string& environment) {
    const std::string err = (dir_ / "stderr.txt").string();
    const std::string cmd = "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT OMP_DISPLAY_ENV=verbose " + environment + " " +
                            LSC_BINARY + " --version > /dev/null 2> " + err;
    const int raw = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0) << cmd;
    return slurp(err);
  }
};

TEST_F(WaitPolicy, PassiveWithoutTheVariable) {
  const std::string s = settings("");
  EXPECT_NE(s.find("OMP_WAIT_POLICY = 'PASSIVE'"), std::string::npos) << s;
  EXPECT_NE(s.find("GOMP_SPINCOUNT = '0'"), std::string::npos) << s;
}

TEST_F(WaitPolicy, TheUsersChoiceIsKept) {
  const std::string s = settings("OMP_WAIT_POLICY=active");
  EXPECT_NE(s.find("OMP_WAIT_POLICY = 'ACTIVE'"), std::string::npos) << s;
}

}  // namespace
