// lsp/transport.cpp — reads and writes base-protocol messages (transport.h).
#include "lsp/transport.h"

#include <llvm/Support/raw_ostream.h>

#include <cstdlib>
#include <cstring>

namespace flow::lsp {
namespace {

/// One header line without its `\r\n` (or `\n`); std::nullopt at the end.
std::optional<std::string> readLine(std::FILE* in) {
  std::string line;
  int c;
  while ((c = std::fgetc(in)) != EOF) {
    if (c == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    line += static_cast<char>(c);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> Transport::read() {
  // Headers end at an empty line; only Content-Length matters.
  std::optional<std::size_t> length;
  while (true) {
    std::optional<std::string> line = readLine(in_);
    if (!line) return std::nullopt;
    if (line->empty()) {
      if (length) break;
      continue;  // stray blank lines between messages
    }
    constexpr const char kLength[] = "content-length:";
    if (line->size() > std::strlen(kLength) && llvm::StringRef(*line).startswith_insensitive(kLength)) {
      char* end = nullptr;
      unsigned long long n = std::strtoull(line->c_str() + std::strlen(kLength), &end, 10);
      if (end == line->c_str() + std::strlen(kLength)) return std::nullopt;
      length = static_cast<std::size_t>(n);
    }
  }
  std::string body(*length, '\0');
  if (*length > 0 && std::fread(body.data(), 1, *length, in_) != *length) return std::nullopt;
  return body;
}

void Transport::write(const llvm::json::Value& message) {
  std::string body;
  llvm::raw_string_ostream os(body);
  os << message;
  os.flush();
  std::fprintf(out_, "Content-Length: %zu\r\n\r\n", body.size());
  std::fwrite(body.data(), 1, body.size(), out_);
  std::fflush(out_);
}

}  // namespace flow::lsp
