// sema/sema.h — semantic analysis of a parsed module: name resolution, type
// checking, constant evaluation and the graph checks (docs/language.md, "The
// compiler"). Fills the annotation fields of the AST in place. Reports every
// error it can find in one run; never stops at the first.
#pragma once

#include <string_view>
#include <vector>

#include "ast/ast.h"
#include "diag/diagnostics.h"

namespace flow {

/// Returns true when the module has no errors (warnings allowed).
bool checkModule(ast::Module& module, DiagnosticEngine& diags);

/// The names of the built-in functions (docs/language.md, "Stage bodies"),
/// for editors' completion.
std::vector<std::string_view> builtinFunctionNames();

}  // namespace flow
