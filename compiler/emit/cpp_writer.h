// emit/cpp_writer.h — a line-oriented C++ text builder: consistent two-space
// indentation, and `#line` directives that map generated statements back to
// the .flow source (and back to the generated file afterwards, so a compiler
// message about generated glue points at the glue). Knows nothing of Flow.
#pragma once

#include <string>
#include <string_view>

namespace flow::emit {

class CppWriter {
 public:
  /// `generatedName` is the file name the text will be saved as (used to
  /// restore line numbering after a `#line` back to the .flow file); empty
  /// disables every `#line`.
  explicit CppWriter(std::string generatedName = {}) : generatedName_(std::move(generatedName)) {}

  /// Appends one line at the current indentation (an empty `text` gives an empty line).
  void line(std::string_view text);
  /// Appends text verbatim; it must end with a newline.
  void raw(std::string_view text);
  void indent(int levels = 1) { depth_ += levels; }
  void dedent(int levels = 1) { depth_ -= levels; }

  /// `#line N "file"` before a statement from `flowFile` at `flowLine`.
  void mapTo(const std::string& flowFile, unsigned flowLine);
  /// Restores the generated file's own numbering after mapTo(), if needed.
  void mapBack();

  [[nodiscard]] const std::string& text() const { return text_; }
  [[nodiscard]] std::string take() { return std::move(text_); }

 private:
  std::string text_;
  std::string generatedName_;
  int depth_ = 0;
  unsigned lines_ = 0;   // lines written so far
  bool mapped_ = false;  // the last #line pointed into the .flow file
};

/// A C++ string literal (with quotes) holding `bytes` exactly.
[[nodiscard]] std::string cppStringLiteral(std::string_view bytes);

}  // namespace flow::emit
