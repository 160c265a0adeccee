// files.cpp — `write_line` and `env`. The files a run writes are a run
// service (detail::RunService): one open file per path, made on first use,
// flushed and closed when the run ends (also after a deadline or an
// interrupt). A regular file is written through a buffer of whole lines, so
// what reaches the file is always complete lines; anything else (a pipe, a
// terminal, a device such as /dev/full) is written a line at a time, so a
// reader sees each line at once and an error fails the item that wrote it.
// A file's mutex is held across its write(2) calls: lines of concurrent
// workers never interleave, in the buffer or in the file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>

#include "flow/context.h"
#include "flow/detail/os.h"
#include "flow/detail/run_shared.h"
#include "flow/services.h"

namespace flow {
namespace detail {
namespace {

/// Lines of a regular file wait here until this much has accumulated.
constexpr std::size_t kFileBuffer = 64 * 1024;

class OutputFile {
 public:
  OutputFile(std::string path, int fd, bool buffered)
      : path_(std::move(path)), fd_(fd), buffered_(buffered) {}
  ~OutputFile() { ::close(fd_); }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  /// Appends `line` + '\n'. Throws ItemFailed when the file cannot take it
  /// (and from then on: a file that lost lines is not written any more).
  void append(std::string_view line) {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_ != 0) throw ItemFailed(osFailure("write", path_, error_));
    if (buffered_ && buf_.size() + line.size() + 1 > kFileBuffer) flushLocked();
    if (buffered_ && line.size() + 1 <= kFileBuffer) {
      buf_.append(line);
      buf_ += '\n';
      return;
    }
    std::string whole;
    whole.reserve(line.size() + 1);
    whole.append(line);
    whole += '\n';
    writeAll(whole);
    if (error_ != 0) throw ItemFailed(osFailure("write", path_, error_));
  }

  /// Writes what is buffered; "" or the failure that lost buffered lines.
  std::string flush() {
    std::lock_guard<std::mutex> lock(mu_);
    if (buf_.empty()) return {};
    if (error_ == 0) writeAll(buf_);
    if (error_ != 0) return osFailure("write", path_, error_);
    buf_.clear();
    return {};
  }

 private:
  void flushLocked() {
    writeAll(buf_);
    if (error_ != 0) throw ItemFailed(osFailure("write", path_, error_));
    buf_.clear();
  }
  /// Writes all of `data` (whole lines); on failure sets error_ and leaves
  /// `data` as it was.
  void writeAll(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = n < 0 ? errno : ENOSPC;
        return;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  std::mutex mu_;  // Guards buf_ and error_, and is held across write(2): lines never interleave.
  const std::string path_;
  const int fd_;
  const bool buffered_;  // a regular file: whole lines wait in buf_
  std::string buf_;
  int error_ = 0;  // errno of the first failed write; the file takes nothing more
};

class OutputFiles final : public RunService {
 public:
  static RunService* make(RunShared&) { return new OutputFiles(); }

  OutputFile& open(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(path);
    if (it != files_.end()) return *it->second;
    // Not cached on failure: a later call may find the directory created.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0) throw ItemFailed(osFailure("open", path, errno));
    struct stat st {};
    const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    auto file = std::make_unique<OutputFile>(path, fd, regular);
    OutputFile& ref = *file;
    files_.emplace(path, std::move(file));
    return ref;
  }

  void cancel() noexcept override {}  // lines already written are kept and flushed by close()

  std::vector<std::string> close() override {
    std::vector<std::string> failures;
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [path, file] : files_) {
      if (std::string failure = file->flush(); !failure.empty()) failures.push_back("write_line: " + failure);
    }
    files_.clear();  // closes them
    return failures;
  }

 private:
  std::mutex mu_;  // Guards files_ (not the files: each has its own lock).
  std::map<std::string, std::unique_ptr<OutputFile>> files_;
};

}  // namespace
}  // namespace detail

void write_line(Context& ctx, const std::string& path, std::string_view line) {
  if (path == "-") {
    detail::writeLine(line, false);
    return;
  }
  auto& files = static_cast<detail::OutputFiles&>(
      ctx.runShared().service(detail::RunService::Kind::Files, &detail::OutputFiles::make));
  files.open(path).append(line);
}

void write_line(const std::string& path, std::string_view line) {
  if (Context* ctx = Context::current()) {
    write_line(*ctx, path, line);
    return;
  }
  if (path == "-") {
    detail::writeLine(line, false);
    return;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  if (fd < 0) throw ItemFailed(detail::osFailure("open", path, errno));
  detail::OutputFile(path, fd, /*buffered=*/false).append(line);  // writes now; closes on destruction
}

std::string env(const std::string& name, const std::string& fallback) {
  const char* value = std::getenv(name.c_str());
  return value != nullptr ? std::string(value) : fallback;
}

}  // namespace flow
