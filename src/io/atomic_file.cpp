#include "lsc/io/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <csignal>
#include <fcntl.h>
#include <random>
#include <sstream>
#include <streambuf>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "lsc/core/error.hpp"

namespace lsc::io {

namespace fs = std::filesystem;

// Unbuffered: the FILE* underneath already buffers, and keeping a single buffer means stream()
// and file() writes interleave in call order.
class AtomicFile::StreamBuf : public std::streambuf {
 public:
  explicit StreamBuf(std::FILE* file) : file_(file) {}

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    return std::fputc(c, file_) == EOF ? traits_type::eof() : c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    return static_cast<std::streamsize>(std::fwrite(s, 1, static_cast<std::size_t>(n), file_));
  }

 private:
  std::FILE* file_;
};

namespace {

std::string errno_text(int err) { return std::strerror(err); }

std::string random_suffix() {
  std::random_device rd;
  std::ostringstream out;
  out << std::hex << ((static_cast<unsigned long long>(rd()) << 32) ^ rd());
  return out.str();
}

// Best effort: makes the rename itself durable; failing here cannot un-write the file.
void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Temporaries of this target left by a process that was killed before it could remove them
// (kill -9, power loss): removed, so that they do not pile up beside the outputs. A temporary
// whose process still runs is another writer's, and is left alone.
void remove_stale_temporaries(const fs::path& dir, const std::string& filename) {
  const std::string prefix = "." + filename + ".tmp.";
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    const std::size_t dot = rest.find('.');
    if (dot == 0 || dot == std::string::npos ||
        rest.find_first_not_of("0123456789") != dot || dot > 9)
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dot)));
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

}  // namespace

AtomicFile::AtomicFile(fs::path target) : target_(std::move(target)) {
  const std::string name = target_.string();
  require(!target_.filename().empty(),
          name + ": output path names a directory, not a file; add a file name to the path.");
  const fs::path dir = target_.has_parent_path() ? target_.parent_path() : fs::path(".");
  std::error_code ec;
  require(fs::is_directory(dir, ec),
          name + ": cannot write the file because directory '" + dir.string() +
              "' does not exist; create the directory first or choose another output path.");
  require(!fs::is_directory(target_, ec),
          name + ": output path is an existing directory; choose a file name instead.");
  remove_stale_temporaries(dir, target_.filename().string());

  for (int attempt = 0;; ++attempt) {
    temp_ = dir / ("." + target_.filename().string() + ".tmp." + std::to_string(::getpid()) +
                   "." + random_suffix());
    // 0666 lets the umask decide, as for any ordinary output file (mkstemp would force 0600).
    const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      file_ = ::fdopen(fd, "wb");
      if (file_ == nullptr) {
        const int err = errno;
        ::close(fd);
        ::unlink(temp_.c_str());
        throw Error(name + ": cannot open a temporary output file (" + errno_text(err) +
                    "); check the system's resource limits.");
      }
      break;
    }
    const int err = errno;
    if (err == EEXIST && attempt < 16) continue;
    if (err == EACCES || err == EPERM || err == EROFS)
      throw Error(name + ": cannot write to directory '" + dir.string() + "' (" +
                  errno_text(err) + "); choose a writable output directory.");
    throw Error(name + ": cannot create a temporary file in directory '" + dir.string() + "' (" +
                errno_text(err) + "); check the output path.");
  }
  buf_ = std::make_unique<StreamBuf>(file_);
  stream_ = std::make_unique<std::ostream>(buf_.get());
}

AtomicFile::~AtomicFile() {
  if (file_ != nullptr) std::fclose(file_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::require_open() const {
  require(file_ != nullptr && !finished_ && !committed_,
          target_.string() + ": the output file was already committed; create a new AtomicFile "
                             "to write it again.");
}

void AtomicFile::write(const void* data, std::size_t size) {
  require_open();
  if (size == 0) return;
  if (std::fwrite(data, 1, size, file_) != size)
    throw Error(target_.string() + ": writing failed (" + errno_text(errno) +
                "); free disk space or choose another output path.");
}

std::ostream& AtomicFile::stream() {
  require_open();
  return *stream_;
}

std::FILE* AtomicFile::file() {
  require_open();
  return file_;
}

void AtomicFile::finish() {
  require_open();
  const std::string name = target_.string();
  int err = 0;
  errno = 0;
  if (stream_->fail() || std::fflush(file_) != 0 || std::ferror(file_) != 0) err = errno ? errno : EIO;
  if (err == 0 && ::fsync(::fileno(file_)) != 0) err = errno;
  const int close_rc = std::fclose(file_);
  file_ = nullptr;
  if (err == 0 && close_rc != 0) err = errno;
  if (err != 0)
    throw Error(name + ": writing failed (" + errno_text(err) +
                "); free disk space or choose another output path.");
  finished_ = true;
}

void AtomicFile::commit() {
  if (!finished_) finish();
  require(!committed_, target_.string() + ": the output file was already committed; create a new AtomicFile "
                                          "to write it again.");
  const std::string name = target_.string();
  if (::rename(temp_.c_str(), target_.c_str()) != 0)
    throw Error(name + ": cannot move the finished file into place (" + errno_text(errno) +
                "); check that the output path is writable.");
  committed_ = true;
  sync_directory(target_.has_parent_path() ? target_.parent_path() : fs::path("."));
}

AtomicFile* OutputSet::add(const fs::path& target) {
  if (target.empty()) return nullptr;
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(target, ec);
  for (const std::unique_ptr<AtomicFile>& f : files_)
    require(ec || fs::weakly_canonical(f->target(), ec) != canonical,
            target.string() + ": two outputs of the command name this same file; give each its own path.");
  files_.push_back(std::make_unique<AtomicFile>(target));
  return files_.back().get();
}

void OutputSet::commit() {
  for (const std::unique_ptr<AtomicFile>& f : files_) f->finish();
  for (const std::unique_ptr<AtomicFile>& f : files_) f->commit();
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

}  // namespace lsc::io
