// emit/emit.h — lowers one checked pipeline to C++ on the flow runtime, as
// specified by docs/design/generated_code.md: a standalone program (records,
// Params, build() and a main() on flow::Program) or, for embedding
// (docs/language.md, "Embedding"), a header + source with a pipeline class.
// Call only when the front end reported no errors: the emitter trusts sema's
// annotations and never diagnoses. Output is deterministic text; it does not
// run a C++ compiler.
#pragma once

#include <llvm/Support/SourceMgr.h>

#include <string>

#include "ast/ast.h"
#include "ir/graph.h"

namespace flow::emit {

struct EmitOptions {
  /// The .flow file as it should appear in the banner and `#line` directives.
  std::string flowFile;
  /// The name the generated .cpp will be saved as (restores numbering after a
  /// `#line` into the .flow file). Empty, or no `sources`, disables `#line`.
  std::string generatedFile;
  /// Maps AST locations to line numbers; may be null.
  const llvm::SourceMgr* sources = nullptr;
  bool lineDirectives = true;
};

/// The standalone program: one translation unit with main().
[[nodiscard]] std::string emitProgram(const ast::Module& module, const ir::Graph& graph,
                                      const EmitOptions& options);

/// `NAME.flow.h`: the header extern .cpp files include to see the records
/// and the extern declarations of pipeline NAME (the same in build and emit).
[[nodiscard]] std::string sharedHeaderName(const ir::Graph& graph);
/// Its text: include guard, <flow/flow.h>, consts, records, extern
/// declarations. The standalone program and the embedding header open with
/// the same guarded block, so including both in one unit is harmless.
[[nodiscard]] std::string emitSharedHeader(const ast::Module& module, const ir::Graph& graph,
                                           const EmitOptions& options);

/// The program `flowc test` builds (docs/language.md, "Testing pipelines"):
/// the tests of `module` that run `graph`'s pipeline, each wiring the part
/// of the pipeline it runs, running it on the virtual clock and checking its
/// expectations, and a main() that runs them (flow/testing.h).
[[nodiscard]] std::string emitTestProgram(const ast::Module& module, const ir::Graph& graph,
                                          const EmitOptions& options);

/// Whether the program decodes JSON (from_json): then it links simdjson.
[[nodiscard]] bool usesJsonDecoding(const ast::Module& module, const ir::Graph& graph);

/// The files `flowc emit` writes for a host program.
struct EmbedFiles {
  std::string headerName;  // `NAME.h`
  std::string header;
  std::string sharedName;  // `NAME.flow.h` (emitSharedHeader)
  std::string shared;
  std::string sourceName;  // `NAME.cpp`
  std::string source;
};
[[nodiscard]] EmbedFiles emitEmbedding(const ast::Module& module, const ir::Graph& graph,
                                       const EmitOptions& options);

}  // namespace flow::emit
