// format/format.h — `flowc fmt`: the one canonical layout of a .flow file
// (docs/fmt.md). The layout is computed from the file's tokens and the line
// breaks the author chose, so it never changes what the file means (the AST
// is the same before and after) and formatting twice changes nothing more
// than formatting once. Does not check names or types: a file with semantic
// errors formats; one with a syntax error does not.
#pragma once

#include <optional>
#include <string>

#include "diag/diagnostics.h"

namespace flow::format {

/// The canonical text of buffer `bufferId` of `diags.sourceMgr()`, or
/// std::nullopt when it has a syntax error (reported to `diags`).
auto formatBuffer(unsigned bufferId, DiagnosticEngine& diags) -> std::optional<std::string>;

}  // namespace flow::format
