// The lsc command against a hostile user (issue 20's remaining items, issue 17's sizes): options
// that mean nothing, sizes beyond the machine, outputs that cannot all be written, a training
// that diverges while its numbers stay finite. Each must end in one sentence, exit 2, and leave
// no output behind, or be refused before any work.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "../support/cli_test.hpp"
#include "lsc/core/memory.hpp"
#include "lsc/io/npy.hpp"
#include "lsc/io/png.hpp"

namespace fs = std::filesystem;

namespace {

using lsc::test::CliResult;
using lsc::test::slurp;

class CliHostile : public lsc::test::CliTest {
 protected:
  // A (N, D) data file of N rows of a smooth pattern plus a little deterministic variation.
  fs::path small_data(const std::string& name, std::size_t N, std::size_t D) {
    std::vector<double> x(N * D);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.3 * double((i * 7919) % 101) / 101.0 - 0.15;
    const fs::path file = dir_ / name;
    lsc::io::write_npy(file, x.data(), {N, D});
    return file;
  }
};

// Item 12: 0 meant "the default" for σ, the batch, the time constants and the step count,
// silently (--steps 0 ran 200 000 steps). An explicit 0 is refused, naming the option.
TEST_F(CliHostile, AnExplicitZeroIsRefusedWhereZeroMeantTheDefault) {
  for (const std::string option : {"--sigma", "--batch", "--tau-A", "--tau-x", "--tau-u", "--steps", "--inner-steps",
                                    "--metrics-every"}) {
    const CliResult r = lsc("train --data bars --quiet " + option + " 0 --out " + (dir_ / "run").string());
    expect_one_sentence_error(r, option);
    EXPECT_EQ(r.status, 2);
  }
  expect_one_sentence_error(lsc("train --data bars --quiet --steps 0.0 --out " + (dir_ / "run").string()), "--steps");
  expect_one_sentence_error(lsc("generate bars --pixel 0 --out " + (dir_ / "X.npy").string()), "--pixel");
  EXPECT_FALSE(fs::exists(dir_ / "run"));
  EXPECT_FALSE(fs::exists(dir_ / "X.npy"));
}

// Item 12: negative thread and iteration counts, and infer's unchecked τ_u, acceptance and
// temperature, and an infinite pixel value.
TEST_F(CliHostile, NegativeCountsAndOutOfRangeValuesAreRefused) {
  const fs::path run = dir_ / "run";
  expect_one_sentence_error(lsc("train --data bars --quiet --threads -1 --out " + run.string()), "negative");
  expect_one_sentence_error(lsc("train --data bars --quiet --method dsc --inner-steps -1 --out " + run.string()),
                            "negative");
  expect_one_sentence_error(lsc("train --data bars --quiet --temperature -1 --out " + run.string()), "--temperature");
  EXPECT_FALSE(fs::exists(run));
  const fs::path A = dir_ / "A.npy", X = dir_ / "X.npy";
  ASSERT_EQ(lsc("generate bars --n 20 --dictionary " + A.string() + " --out " + X.string()).status, 0);
  const std::string infer = "infer --dictionary " + A.string() + " --data " + X.string() + " --quiet --samples 10 --burn-in 10 ";
  expect_one_sentence_error(lsc(infer + "--tau-u -1 --out-mean " + (dir_ / "M.npy").string()), "--tau-u");
  expect_one_sentence_error(lsc(infer + "--method mala --target-accept 2 --out-mean " + (dir_ / "M.npy").string()),
                            "--target-accept");
  expect_one_sentence_error(lsc(infer + "--temperature nan --out-mean " + (dir_ / "M.npy").string()), "--temperature");
  expect_one_sentence_error(lsc(infer + "--threads -2 --out-mean " + (dir_ / "M.npy").string()), "negative");
  EXPECT_FALSE(fs::exists(dir_ / "M.npy"));
  const CliResult r = lsc("generate bars --pixel inf --out " + (dir_ / "Y.npy").string());
  expect_one_sentence_error(r, "--pixel");
  EXPECT_FALSE(fs::exists(dir_ / "Y.npy"));
}

// Item 11: a command with several outputs writes all of them or none. A missing directory is
// reported before any work; a later output that cannot be written leaves no earlier one behind.
TEST_F(CliHostile, MultiOutputCommandsWriteAllOutputsOrNone) {
  const fs::path X = dir_ / "X.npy", A = dir_ / "A.npy", missing = dir_ / "missing";
  CliResult r = lsc("generate bars --n 10 --out " + X.string() + " --coefficients " + (missing / "S.npy").string());
  expect_one_sentence_error(r, "missing");
  EXPECT_FALSE(fs::exists(X));
  r = lsc("generate bars --n 10 --out " + X.string() + " --dictionary " + X.string());
  expect_one_sentence_error(r, "same file");
  EXPECT_FALSE(fs::exists(X));

  ASSERT_EQ(lsc("generate bars --n 10 --dictionary " + A.string() + " --out " + X.string()).status, 0);
  const fs::path M = dir_ / "M.npy";
  r = lsc("infer --dictionary " + A.string() + " --data " + X.string() + " --quiet --samples 5 --burn-in 5 --out-mean " +
          M.string() + " --out-active " + (missing / "P.npy").string());
  expect_one_sentence_error(r, "missing");
  EXPECT_FALSE(fs::exists(M));

  // patches: X.npy.json is a folder, so the recipe cannot be written; X.npy must not appear.
  const fs::path images = dir_ / "images";
  fs::create_directories(images);
  std::vector<std::uint8_t> px(32 * 32);
  for (std::size_t j = 0; j < px.size(); ++j) px[j] = static_cast<std::uint8_t>((j * 37 + (j / 32) * 13) % 251);
  lsc::io::write_png(images / "a.png", px, 32, 32, 1);
  const fs::path P = dir_ / "P.npy";
  fs::create_directories(dir_ / "P.npy.json");
  r = lsc("patches " + images.string() + " --patch 4 --n 10 --out " + P.string());
  expect_one_sentence_error(r, "directory");
  EXPECT_FALSE(fs::exists(P));
  // And the set as a whole is written when it can be.
  fs::remove(dir_ / "P.npy.json");
  ASSERT_EQ(lsc("patches " + images.string() + " --patch 4 --n 10 --out " + P.string()).status, 0);
  EXPECT_TRUE(fs::exists(P) && fs::exists(dir_ / "P.npy.json"));
}

// Item 12: an output's temporary left by a killed process (kill -9 mid-write) is removed by the
// next write of the same output; a temporary of a process that still runs is left alone.
TEST_F(CliHostile, TemporariesOfKilledWritersAreRemoved) {
  const fs::path X = dir_ / "X.npy";
  // A pid that surely is dead: a child that has exited and been reaped.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  const fs::path stale = dir_ / (".X.npy.tmp." + std::to_string(child) + ".1f2e");
  const fs::path live = dir_ / (".X.npy.tmp." + std::to_string(::getpid()) + ".3c4d");
  const fs::path other = dir_ / (".Y.npy.tmp." + std::to_string(child) + ".5a6b");
  for (const fs::path& p : {stale, live, other}) std::ofstream(p) << "partial";
  ASSERT_EQ(lsc("generate bars --n 5 --out " + X.string()).status, 0);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live)) << "a running process's temporary must stay";
  EXPECT_TRUE(fs::exists(other)) << "only the written output's temporaries are looked at";
}

// Item 4: a dictionary that grows to 1e200 stays finite while its norms overflow; the run printed
// "mean |A_k| inf", exited 0, and infer blamed --tau-u. Now training stops with one sentence
// naming --tau-A, and a dictionary like it is refused by infer as a diverged training's.
TEST_F(CliHostile, AFiniteButDivergedDictionaryIsAnError) {
  const fs::path X = small_data("X.npy", 200, 16);
  const fs::path run = dir_ / "run";
  for (const char* dtype : {"float32", "float64"}) {
    const CliResult r = lsc("train --data " + X.string() + " --K 4 --steps 300 --hold-burn-in 0 --tau-A 0.01 --quiet --dtype " +
                            dtype + " --out " + run.string());
    expect_one_sentence_error(r, "--tau-A");
    EXPECT_EQ(r.status, 2) << dtype;
    EXPECT_FALSE(fs::exists(run / "dictionary.npy")) << dtype;
  }
  std::vector<double> huge(4 * 16, 1e200);
  lsc::io::write_npy(dir_ / "A.npy", huge.data(), {4, 16});
  const CliResult r = lsc("infer --dictionary " + (dir_ / "A.npy").string() + " --data " + X.string() + " --quiet");
  expect_one_sentence_error(r, "--tau-A");
  EXPECT_EQ(r.err.find("nan"), std::string::npos) << r.err;
}

// Item 8 and issue 17: sizes beyond the machine are refused before anything is allocated (with
// overcommit, an allocation that succeeds can still end in the OOM killer, with no sentence).
// The sizes here exceed any machine, so the refusal does not depend on where the test runs.
TEST_F(CliHostile, SizesBeyondAnyMachineAreRefusedBeforeAllocation) {
  const std::uint64_t limit = lsc::memory_limit_bytes();
  ASSERT_GT(limit, 0u);
  const fs::path run = dir_ / "run";
  struct Case {
    std::string args, mention;
  };
  const fs::path A = dir_ / "A.npy", X = dir_ / "X.npy";
  ASSERT_EQ(lsc("generate bars --n 10 --dictionary " + A.string() + " --out " + X.string()).status, 0);
  for (const Case& c : std::vector<Case>{
           {"train --data bars --quiet --K 10000000 --out " + run.string(), "--K"},
           {"train --data bars --quiet --batch 100000000000 --out " + run.string(), "--batch"},
           {"generate bars --n 100000000000000 --out " + (dir_ / "Y.npy").string(), "--n"},
           {"generate bars --size 1000000 --out " + (dir_ / "Y.npy").string(), "--size"},
           {"patches " + X.string() + " --n 100000000000000 --out " + (dir_ / "P.npy").string(), "fewer patches"},
           {"infer --dictionary " + A.string() + " --data " + X.string() + " --chains 100000000000000 --quiet", "--chains"},
           {"infer --dictionary " + A.string() + " --data " + X.string() + " --samples 100000000000000 --quiet --out-samples " +
                (dir_ / "T.npy").string(),
            "--samples"},
           {"bench step --D 1000000 --K 1000000 --N 1000000 --seconds 0.1", "--D"},
       }) {
    const CliResult r = lsc(c.args);
    expect_one_sentence_error(r, c.mention);
    EXPECT_NE(r.err.find("of memory"), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.status, 2) << c.args;
  }
  EXPECT_FALSE(fs::exists(run));
  for (const char* f : {"Y.npy", "P.npy", "T.npy"}) EXPECT_FALSE(fs::exists(dir_ / f)) << f;
}

// Item 8: --out naming an existing file, where a folder is needed.
TEST_F(CliHostile, OutNamingAFileIsOneSentence) {
  const fs::path file = dir_ / "file";
  std::ofstream(file) << "mine";
  expect_one_sentence_error(lsc("train --data bars --quiet --steps 10 --out " + file.string()), "--out");
  expect_one_sentence_error(lsc("experiment fig4b --quick --out " + file.string()), "file");
  EXPECT_EQ(slurp(file), "mine");
}

// Item 5 (rest) and issue 17: --resume with other data of the same width continued silently.
TEST_F(CliHostile, ResumingWithOtherDataOfTheSameWidthIsRefused) {
  const fs::path X = small_data("X.npy", 300, 16), run = dir_ / "run";
  std::vector<double> y(300 * 16);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = 0.1 * double((i * 104729) % 97) / 97.0;
  const fs::path Y = dir_ / "Y.npy";
  lsc::io::write_npy(Y, y.data(), {300, 16});
  const std::string opts = " --K 4 --checkpoint-every 200 --quiet --out " + run.string();
  ASSERT_EQ(lsc("train --data " + X.string() + opts + " --steps 400").status, 0);
  const CliResult r = lsc("train --data " + Y.string() + opts + " --steps 800 --resume");
  expect_one_sentence_error(r, "other data");
  ASSERT_EQ(lsc("train --data " + X.string() + " --K 4 --steps 800 --checkpoint-every 200 --quiet --resume --out " + run.string()).status, 0);
}

// Item 12: a PNG whose header claims far more pixels than its bytes can hold is refused before
// its rows are allocated; a constant image's error names the file.
TEST_F(CliHostile, ImageHeadersThatLieAndConstantImagesNameTheFile) {
  const fs::path images = dir_ / "images";
  fs::create_directories(images);
  std::vector<std::uint8_t> flat(32 * 32, 128);
  lsc::io::write_png(images / "flat.png", flat, 32, 32, 1);
  CliResult r = lsc("patches " + images.string() + " --patch 4 --n 10 --out " + (dir_ / "P.npy").string());
  expect_one_sentence_error(r, "flat.png");
  EXPECT_NE(r.err.find("constant"), std::string::npos) << r.err;

  // A valid 32×32 PNG whose IHDR width and height are rewritten to 16384 (the CRC fixed up).
  fs::remove(images / "flat.png");
  std::vector<std::uint8_t> px(32 * 32);
  for (std::size_t j = 0; j < px.size(); ++j) px[j] = static_cast<std::uint8_t>(j * 7);
  lsc::io::write_png(images / "liar.png", px, 32, 32, 1);
  std::string bytes = slurp(images / "liar.png");
  ASSERT_EQ(bytes.substr(12, 4), "IHDR");
  for (int at : {16, 20}) {
    bytes[at] = 0, bytes[at + 1] = 0, bytes[at + 2] = 0x40, bytes[at + 3] = 0;  // 16384, big-endian
  }
  std::uint32_t crc = 0xFFFFFFFFu;  // CRC-32 over the chunk type and data (PNG spec, ISO 3309)
  for (int i = 12; i < 12 + 4 + 13; ++i) {
    crc ^= static_cast<std::uint8_t>(bytes[static_cast<std::size_t>(i)]);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xFFFFFFFFu;
  for (int i = 0; i < 4; ++i) bytes[29 + static_cast<std::size_t>(i)] = static_cast<char>(crc >> (24 - 8 * i));
  std::ofstream(images / "liar.png", std::ios::binary) << bytes;
  r = lsc_with_limit("-v 4000000", "patches " + images.string() + " --patch 4 --n 10 --out " + (dir_ / "P.npy").string());
  expect_one_sentence_error(r, "liar.png");
  EXPECT_NE(r.err.find("claims 16384x16384"), std::string::npos) << r.err;
}

}  // namespace
