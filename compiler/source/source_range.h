// source/source_range.h — a half-open range of characters in a buffer owned by
// an llvm::SourceMgr. Every AST node carries one; diagnostics point at them.
// Does not own text and does not know line numbers: ask the SourceMgr.
#pragma once

#include <llvm/Support/SMLoc.h>

namespace flow {

/// [begin, end) into one source buffer. A default-constructed range is
/// invalid (used only for synthesized nodes, which never get diagnosed).
struct SourceRange {
  llvm::SMLoc begin;
  llvm::SMLoc end;

  [[nodiscard]] bool isValid() const { return begin.isValid(); }
  [[nodiscard]] llvm::SMRange toSMRange() const { return {begin, end.isValid() ? end : begin}; }
  /// The smallest range covering both; either may be invalid.
  [[nodiscard]] static SourceRange cover(SourceRange a, SourceRange b) {
    if (!a.isValid()) return b;
    if (!b.isValid()) return a;
    SourceRange r;
    r.begin = a.begin.getPointer() < b.begin.getPointer() ? a.begin : b.begin;
    r.end = a.end.getPointer() > b.end.getPointer() ? a.end : b.end;
    return r;
  }
};

}  // namespace flow
