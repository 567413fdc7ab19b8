#pragma once
// The fuzz targets (docs/reliability.md): every parser of files that people bring, fed arbitrary
// bytes. Each returns normally when the parser accepts the input or refuses it with lsc::Error
// (one sentence); anything else (another exception, a crash, a sanitizer report, an allocation
// beyond the fuzzer's limit) is a defect. libFuzzer drives them (fuzz/fuzzer.cpp, built by
// scripts/fuzz.sh with clang), and ctest replays the corpus kept in tests/fuzz_corpus/
// (tests/fuzz/test_fuzz_corpus.cpp) in every CI run.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lsc::fuzz {

using Target = void (*)(const std::uint8_t* data, std::size_t size);

struct NamedTarget {
  const char* name;  // also the corpus folder's name
  Target run;
};

// npy, image (first byte picks .png/.jpg/.tif/.mat/.npy), model_json (the run-folder loader),
// metrics_csv, checkpoint, recipe (the image-patch recipe JSON).
const std::vector<NamedTarget>& targets();

}  // namespace lsc::fuzz
