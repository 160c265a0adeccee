// emit/cpp_writer.cpp — indentation, line counting and `#line` bookkeeping
// of CppWriter, and C++ string literal quoting.
#include "emit/cpp_writer.h"

#include <cstdio>

namespace flow::emit {

void CppWriter::line(std::string_view text) {
  if (!text.empty()) text_.append(static_cast<size_t>(depth_ > 0 ? depth_ * 2 : 0), ' ');
  text_ += text;
  text_ += '\n';
  ++lines_;
}

void CppWriter::raw(std::string_view text) {
  text_ += text;
  for (char c : text)
    if (c == '\n') ++lines_;
}

void CppWriter::mapTo(const std::string& flowFile, unsigned flowLine) {
  if (generatedName_.empty() || flowLine == 0) return;
  text_ += "#line " + std::to_string(flowLine) + " " + cppStringLiteral(flowFile) + "\n";
  ++lines_;
  mapped_ = true;
}

void CppWriter::mapBack() {
  if (!mapped_) return;
  // The directive names the number of the line that follows it.
  text_ += "#line " + std::to_string(lines_ + 2) + " " + cppStringLiteral(generatedName_) + "\n";
  ++lines_;
  mapped_ = false;
}

std::string cppStringLiteral(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '?':
        out += "?";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\%03o", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace flow::emit
