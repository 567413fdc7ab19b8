// One libFuzzer binary per target: LSC_FUZZ_TARGET names it (fuzz/CMakeLists.txt).
#include <cstring>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const lsc::fuzz::Target target = [] {
    for (const auto& t : lsc::fuzz::targets())
      if (std::strcmp(t.name, LSC_FUZZ_TARGET) == 0) return t.run;
    __builtin_trap();
  }();
  target(data, size);
  return 0;
}
