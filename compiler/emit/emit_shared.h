// emit/emit_shared.h — the declarations a pipeline shares with the user's
// extern C++ code: consts, records and the extern function declarations,
// as one include-guarded block. The same block opens the standalone program
// and is written alone as `PIPELINE.flow.h`, which extern .cpp files include
// to see the records (docs/flowc.md "Extern functions"); the guard makes the
// two copies one. Also small helpers of the params and embedding emitters.
// Not a public interface; emit.h is.
#pragma once

#include <string>

#include "emit/emit_internal.h"

namespace flow::emit {

/// `FLOWGEN_<pipeline>_FLOW_H`, the guard of the shared block.
std::string sharedGuard(const Emitter& em);
/// The guarded block: the generated namespace with consts and records, then
/// the extern declarations at global scope. Includes nothing itself.
void emitSharedDecls(const Emitter& em, CppWriter& w);
/// `#include "header"` for every distinct header named by an `extern` block.
void emitExternIncludes(const Emitter& em, CppWriter& w);
/// The extern functions' declarations, with records qualified (global scope).
void emitExternDecls(const Emitter& em, CppWriter& w);
/// Whether some `param` has no default (so it must be given: Program::require).
bool hasRequiredParams(const Emitter& em);

}  // namespace flow::emit
