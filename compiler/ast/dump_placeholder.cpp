#include "ast/dump.h"
namespace flow::ast {
void dump(const Module&, const llvm::SourceMgr&, llvm::raw_ostream&) {}
}  // namespace flow::ast
