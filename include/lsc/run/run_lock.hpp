#pragma once
// One writer per run folder: `lsc train` and `lsc circuit --learn` hold an exclusive flock(2) on
// <out>/.lock while they run, so a second process writing to the same --out is refused with one
// sentence instead of interleaving its files with the first one's. The kernel drops the lock
// when its holder exits in any way (kill -9 included), so a stale .lock file never blocks.
#include <filesystem>

namespace lsc::run {

class RunFolderLock {
 public:
  // Creates `dir` if needed and takes the lock; throws lsc::Error naming the holder's pid when
  // another process has it, or when the folder cannot be created.
  explicit RunFolderLock(const std::filesystem::path& dir);
  // Releases the lock; a folder the lock created and nothing else wrote to is removed again, so
  // a run that fails early leaves no output.
  ~RunFolderLock();
  RunFolderLock(const RunFolderLock&) = delete;
  RunFolderLock& operator=(const RunFolderLock&) = delete;

 private:
  std::filesystem::path dir_;
  bool created_ = false;
  int fd_ = -1;
};

}  // namespace lsc::run
