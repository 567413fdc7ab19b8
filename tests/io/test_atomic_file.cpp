#include "lsc/io/atomic_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>

#include "../support/temp_dir.hpp"
#include "lsc/core/error.hpp"

namespace fs = std::filesystem;

namespace {

using lsc::test::error_of;
using lsc::test::slurp;

using AtomicFileTest = lsc::test::TempDirTest;

TEST_F(AtomicFileTest, WriteFileAtomicCreatesExactlyTheTarget) {
  const fs::path p = dir_ / "out.txt";
  lsc::io::write_file_atomic(p, std::string_view("hello\0world", 11));
  EXPECT_EQ(slurp(p), std::string("hello\0world", 11));
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, ReplacesAnExistingFile) {
  const fs::path p = dir_ / "out.txt";
  lsc::io::write_file_atomic(p, "old contents");
  lsc::io::write_file_atomic(p, "new");
  EXPECT_EQ(slurp(p), "new");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, TempFileIsAHiddenSiblingUntilCommit) {
  const fs::path p = dir_ / "out.txt";
  lsc::io::AtomicFile file(p);
  EXPECT_EQ(file.temp_path().parent_path(), dir_);
  EXPECT_EQ(file.temp_path().filename().string().rfind(".out.txt.tmp.", 0), 0u);
  EXPECT_TRUE(fs::exists(file.temp_path()));
  EXPECT_FALSE(fs::exists(p));
  file.write("x");
  file.commit();
  EXPECT_TRUE(fs::exists(p));
  EXPECT_FALSE(fs::exists(file.temp_path()));
}

TEST_F(AtomicFileTest, StreamFileAndWriteInterleaveInOrder) {
  const fs::path p = dir_ / "out.txt";
  lsc::io::AtomicFile file(p);
  file.write("a");
  file.stream() << "b" << 42;
  std::fputs("c", file.file());
  file.stream() << 'd';
  file.commit();
  EXPECT_EQ(slurp(p), "ab42cd");
}

TEST_F(AtomicFileTest, UncommittedFileLeavesNothingBehind) {
  const fs::path p = dir_ / "out.txt";
  {
    lsc::io::AtomicFile file(p);
    file.write("partial");
  }
  EXPECT_FALSE(fs::exists(p));
  EXPECT_EQ(entries(), 0u);
}

TEST_F(AtomicFileTest, FailureMidWriteKeepsThePreviousFile) {
  const fs::path p = dir_ / "out.txt";
  lsc::io::write_file_atomic(p, "complete");
  try {
    lsc::io::AtomicFile file(p);
    file.stream() << "half of the new";
    throw std::runtime_error("simulated failure");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(slurp(p), "complete");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, MissingDirectoryIsAnError) {
  const fs::path p = dir_ / "no_such_dir" / "out.txt";
  const std::string msg = error_of([&] { lsc::io::write_file_atomic(p, "x"); });
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(p.parent_path()));
}

TEST_F(AtomicFileTest, DirectoryTargetIsAnError) {
  const std::string msg = error_of([&] { lsc::io::write_file_atomic(dir_, "x"); });
  EXPECT_NE(msg.find("directory"), std::string::npos) << msg;
  EXPECT_EQ(entries(), 0u);
}

TEST_F(AtomicFileTest, UnwritableDirectoryIsAnError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  const fs::path locked = dir_ / "locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  const std::string msg = error_of([&] { lsc::io::write_file_atomic(locked / "out.txt", "x"); });
  fs::permissions(locked, fs::perms::owner_all);
  EXPECT_NE(msg.find("writable"), std::string::npos) << msg;
}

TEST_F(AtomicFileTest, WritingAfterCommitIsAnError) {
  lsc::io::AtomicFile file(dir_ / "out.txt");
  file.commit();
  EXPECT_THROW(file.write("more"), lsc::Error);
  EXPECT_THROW(file.commit(), lsc::Error);
}

}  // namespace
