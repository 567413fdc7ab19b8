#pragma once
// A fixture with a fresh temporary directory per test, and small file helpers the io and CLI
// tests share.
#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <string>

#include "lsc/core/error.hpp"

namespace lsc::test {

std::string slurp(const std::filesystem::path& p);

// The message of the lsc::Error that f() throws (a test failure if it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const lsc::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected lsc::Error";
  return {};
}

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::size_t entries() const;  // files and folders in dir_
  std::filesystem::path dir_;
};

}  // namespace lsc::test
