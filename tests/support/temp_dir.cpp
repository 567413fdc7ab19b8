#include "temp_dir.hpp"

#include <unistd.h>

#include <fstream>
#include <iterator>

namespace lsc::test {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void TempDirTest::SetUp() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string("lsc_") + info->test_suite_name() + "_" + info->name();
  for (char& c : name)
    if (c == '/') c = '_';
  dir_ = fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir_);
  fs::create_directories(dir_);
}

void TempDirTest::TearDown() { fs::remove_all(dir_); }

std::size_t TempDirTest::entries() const {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
}

}  // namespace lsc::test
