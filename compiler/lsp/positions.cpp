// lsp/positions.cpp — positions and URIs (positions.h). A UTF-8 character of
// four bytes is two UTF-16 code units; every other character is one.
#include "lsp/positions.h"

#include <algorithm>

namespace flow::lsp {
namespace {

std::size_t utf8Length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

LineTable::LineTable(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts_.push_back(i + 1);
}

std::size_t LineTable::offset(int line, int character) const {
  if (line < 0) return 0;
  if (static_cast<std::size_t>(line) >= starts_.size()) return text_.size();
  std::size_t at = starts_[line];
  std::size_t end =
      static_cast<std::size_t>(line) + 1 < starts_.size() ? starts_[line + 1] - 1 : text_.size();
  int units = 0;
  while (at < end && units < character) {
    std::size_t n = utf8Length(static_cast<unsigned char>(text_[at]));
    units += n == 4 ? 2 : 1;
    at = std::min(end, at + n);
  }
  return at;
}

llvm::json::Value LineTable::position(std::size_t offset) const {
  offset = std::min(offset, text_.size());
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  const std::size_t line = static_cast<std::size_t>(it - starts_.begin()) - 1;
  int units = 0;
  for (std::size_t at = starts_[line]; at < offset;) {
    std::size_t n = utf8Length(static_cast<unsigned char>(text_[at]));
    units += n == 4 ? 2 : 1;
    at += n;
  }
  return llvm::json::Object{{"line", static_cast<int64_t>(line)}, {"character", units}};
}

llvm::json::Value LineTable::range(std::size_t begin, std::size_t end) const {
  return llvm::json::Object{{"start", position(begin)}, {"end", position(std::max(begin, end))}};
}

std::string uriToPath(std::string_view uri) {
  constexpr std::string_view kFile = "file://";
  if (uri.substr(0, kFile.size()) != kFile) return std::string(uri);
  std::string path;
  for (std::size_t i = kFile.size(); i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size() && hexValue(uri[i + 1]) >= 0 && hexValue(uri[i + 2]) >= 0) {
      path += static_cast<char>(hexValue(uri[i + 1]) * 16 + hexValue(uri[i + 2]));
      i += 2;
    } else {
      path += uri[i];
    }
  }
  return path;
}

std::string pathToUri(std::string_view path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string uri = "file://";
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '/' || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      uri += c;
    } else {
      uri += '%';
      uri += kHex[u >> 4];
      uri += kHex[u & 15];
    }
  }
  return uri;
}

}  // namespace flow::lsp
