// lsp/positions.h — between the protocol's positions (0-based line, and a
// character offset counted in UTF-16 code units) and byte offsets into a
// document's text, and between `file://` URIs and paths. Does not own the
// text.
#pragma once

#include <llvm/Support/JSON.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace flow::lsp {

class LineTable {
 public:
  explicit LineTable(std::string_view text);
  /// The byte offset of a protocol position; clamped to the line's end and
  /// to the text's end.
  [[nodiscard]] std::size_t offset(int line, int character) const;
  /// The protocol position of a byte offset: {"line": L, "character": C}.
  [[nodiscard]] llvm::json::Value position(std::size_t offset) const;
  /// {"start": …, "end": …}.
  [[nodiscard]] llvm::json::Value range(std::size_t begin, std::size_t end) const;

 private:
  std::string_view text_;
  std::vector<std::size_t> starts_;  // byte offset where each line begins
};

/// `file:///a%20b/x.flow` → `/a b/x.flow`; another scheme is returned as is.
[[nodiscard]] std::string uriToPath(std::string_view uri);
/// `/a b/x.flow` → `file:///a%20b/x.flow`.
[[nodiscard]] std::string pathToUri(std::string_view path);

}  // namespace flow::lsp
