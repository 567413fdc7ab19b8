#pragma once
// Outputs are written to a temporary sibling of the target and renamed onto it only once they
// are complete, so an error or a crash never leaves a truncated file where a whole one is
// expected, and an existing target stays intact until the replacement is durable.
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string_view>
#include <vector>

namespace lsc::io {

class AtomicFile {
 public:
  // Creates `.<name>.tmp.<pid>.<random>` next to target; throws lsc::Error if the directory is
  // missing or not writable, or if target names a directory.
  explicit AtomicFile(std::filesystem::path target);
  // Removes the temporary file unless commit() succeeded.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // Text view of the same file; failures surface at commit().
  std::ostream& stream();
  // For C libraries (libpng) that write through stdio; do not fclose it.
  std::FILE* file();

  // Flushes, fsyncs and closes the temporary file, so that a full disk shows here; the target is
  // untouched until commit(). Nothing more may be written afterwards.
  void finish();
  // finish() unless done, then renames onto the target.
  void commit();

  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& temp_path() const { return temp_; }

 private:
  class StreamBuf;
  void require_open() const;

  std::filesystem::path target_;
  std::filesystem::path temp_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<StreamBuf> buf_;
  std::unique_ptr<std::ostream> stream_;
  bool finished_ = false;
  bool committed_ = false;
};

// Several outputs of one command as a set: each is staged in its own AtomicFile as soon as the
// command starts (so a missing directory is reported before any work), and none replaces its
// target until every one of them has been written whole. A failure leaves none of them.
class OutputSet {
 public:
  // Stages target; an empty path is skipped and gives nullptr.
  AtomicFile* add(const std::filesystem::path& target);
  // finish() on every file, then the renames.
  void commit();

 private:
  std::vector<std::unique_ptr<AtomicFile>> files_;
};

// Replaces path with bytes through an AtomicFile.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

}  // namespace lsc::io
