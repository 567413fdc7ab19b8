#include "lsc/run/run_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <unistd.h>

#include "lsc/core/error.hpp"

namespace lsc::run {

namespace fs = std::filesystem;

RunFolderLock::RunFolderLock(const fs::path& dir) : dir_(dir) {
  std::error_code ec;
  created_ = fs::create_directories(dir, ec);
  require(!ec && fs::is_directory(dir),
          dir.string() + ": cannot create the run folder (" + (ec ? ec.message() : "a file has that name") +
              "); choose a writable --out path.");
  const fs::path file = dir / ".lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  require(fd_ >= 0, file.string() + ": cannot open the run folder's lock (" + std::strerror(errno) +
                        "); choose a writable --out path.");
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    const ssize_t n = ::pread(fd_, pid, sizeof pid - 1, 0);
    ::close(fd_);
    fd_ = -1;
    std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    throw Error(dir.string() + " is being written by another lsc process" + (holder.empty() ? "" : " (pid " + holder + ")") +
                "; wait for it to finish or choose another --out.");
  }
  // The holder's pid, for the message above; the lock itself is the flock, not the contents.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
}

RunFolderLock::~RunFolderLock() {
  if (fd_ < 0) return;
  if (created_) {  // still holding the lock, so no other lsc can be writing here
    std::error_code ec;
    bool only_lock = true;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) only_lock = only_lock && entry.path().filename() == ".lock";
    if (!ec && only_lock) {
      fs::remove(dir_ / ".lock", ec);
      fs::remove(dir_, ec);
    }
  }
  ::close(fd_);  // releases the flock
}

}  // namespace lsc::run
