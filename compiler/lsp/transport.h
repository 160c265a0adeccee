// lsp/transport.h — the Language Server Protocol's base protocol over a pair
// of streams: each message is `Content-Length: N` (other headers ignored), a
// blank line, then N bytes of JSON, read and written with LLVM's JSON
// support. Does not know any method: server.cpp does.
#pragma once

#include <llvm/Support/JSON.h>

#include <cstdio>
#include <optional>
#include <string>

namespace flow::lsp {

class Transport {
 public:
  Transport(std::FILE* in, std::FILE* out) : in_(in), out_(out) {}

  /// The next message's JSON text, or std::nullopt at the end of the input
  /// (or a header that cannot be read). Blocks until a message is complete.
  std::optional<std::string> read();
  /// Writes one message and flushes.
  void write(const llvm::json::Value& message);

 private:
  std::FILE* in_;
  std::FILE* out_;
};

}  // namespace flow::lsp
