#pragma once
// A fixture for tests that drive the lsc binary: run a command line in a fresh temporary
// directory, and check the one-sentence error contract of every command.
#include <string>

#include "temp_dir.hpp"

namespace lsc::test {

struct CliResult {
  int status;
  std::string out, err;
};

class CliTest : public TempDirTest {
 protected:
  // Runs `lsc ARGS` with stdout and stderr captured in files of the test's directory.
  CliResult lsc(const std::string& args);
  // The same with files limited to `kib` KiB (ulimit -f): a disk that fills up.
  CliResult lsc_with_file_limit(int kib, const std::string& args);
  // The error contract: non-zero exit, one line on stderr that starts "lsc: error: ", ends with a
  // full stop and mentions `must_mention`.
  void expect_one_sentence_error(const CliResult& r, const std::string& must_mention);
};

}  // namespace lsc::test
