// ast/dump.h — deterministic text dump of an AST (`flowc check --emit=ast`):
// source order, `@line:col` positions, no pointers. After sema it also shows
// the annotated types. The test surface of parse/ and sema/.
#pragma once

#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

#include "ast/ast.h"

namespace flow::ast {

void dump(const Module& module, const llvm::SourceMgr& sources, llvm::raw_ostream& os);

}  // namespace flow::ast
