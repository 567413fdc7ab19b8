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
  // The same under a shell limit: ulimit "-f 16" (files of at most 16 KiB: a disk that fills
  // up) or "-v 4000000" (4 GB of address space: a machine without the memory asked for).
  CliResult lsc_with_limit(const std::string& ulimit, const std::string& args);
  // The error contract: non-zero exit, one line on stderr that starts "lsc: error: ", ends with a
  // full stop and mentions `must_mention`.
  void expect_one_sentence_error(const CliResult& r, const std::string& must_mention);
};

}  // namespace lsc::test
