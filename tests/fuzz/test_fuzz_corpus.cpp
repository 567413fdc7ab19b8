// Replays the fuzz corpus kept in tests/fuzz_corpus/<target>/ (the seeds, and every input the
// fuzzers found that crashed once: fuzz/targets.hpp, docs/reliability.md) through the same
// targets, without the fuzzer: each input must be accepted or refused with lsc::Error.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "../../fuzz/targets.hpp"

namespace {

namespace fs = std::filesystem;

TEST(FuzzCorpus, EveryKeptInputIsAcceptedOrRefusedWithOneSentence) {
  const fs::path root = fs::path(LSC_SOURCE_DIR) / "tests" / "fuzz_corpus";
  for (const auto& target : lsc::fuzz::targets()) {
    const fs::path dir = root / target.name;
    ASSERT_TRUE(fs::is_directory(dir)) << dir << ": every target keeps a corpus";
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    EXPECT_FALSE(files.empty()) << dir;
    for (const fs::path& f : files) {
      std::ifstream in(f, std::ios::binary);
      const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_NO_THROW(target.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size())) << f;
    }
    std::cout << target.name << ": " << files.size() << " inputs\n";
  }
}

}  // namespace
