// os.cpp — OS failures with their reasons, and whole-file writes. See
// flow/detail/os.h.
#include "flow/detail/os.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flow::detail {

std::string osReason(int err) {
  char buf[256];
  // The GNU strerror_r returns the text (maybe a static string, not buf).
  const char* text = strerror_r(err, buf, sizeof buf);
  return text != nullptr ? std::string(text) : "error " + std::to_string(err);
}

std::string osFailure(std::string_view verb, std::string_view path, int err) {
  std::string out = "cannot ";
  out += verb;
  out += ' ';
  out += path;
  out += ": ";
  out += osReason(err);
  return out;
}

bool writeWholeFile(const std::string& path, std::string_view data, std::string& failure) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    failure = osFailure("open", path, errno);
    return false;
  }
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failure = osFailure("write", path, n < 0 ? errno : ENOSPC);
      ::close(fd);
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  // NFS and some FUSE file systems report a lost write only here.
  if (::close(fd) != 0 && errno != EINTR) {
    failure = osFailure("write", path, errno);
    return false;
  }
  return true;
}

}  // namespace flow::detail
