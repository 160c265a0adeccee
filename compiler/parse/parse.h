// parse/parse.h — turns one .flow buffer into an ast::Module. ANTLR is used
// only behind this header (compiler/parse/*.cpp); syntax errors go to the
// DiagnosticEngine as `file:line:col: error: message` with a caret. Does not
// resolve names or check types.
#pragma once

#include <memory>

#include "ast/ast.h"
#include "diag/diagnostics.h"

namespace flow {

/// Parses buffer `bufferId` of `diags.sourceMgr()`. Always returns a module
/// (possibly partial) so later phases can report more errors; check
/// diags.hasErrors(). Never throws, never asserts on user input.
auto parseModule(unsigned bufferId, DiagnosticEngine& diags) -> std::unique_ptr<ast::Module>;

}  // namespace flow
