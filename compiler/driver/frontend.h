// driver/frontend.h — load a .flow file and run the front end (parse + sema)
// on it. Shared by every flowc command. Does not print: the caller decides
// when and where the DiagnosticEngine is rendered.
#pragma once

#include <llvm/Support/SourceMgr.h>

#include <memory>
#include <string>

#include "ast/ast.h"
#include "diag/diagnostics.h"

namespace flow::driver {

struct FrontendResult {
  std::unique_ptr<ast::Module> module;  // null when the file could not be read
  bool ok = false;                      // no errors
};

/// Reads `path` into `sources`, parses and (unless `parseOnly`) checks it.
/// A test file `NAME_test.flow` is read after `NAME.flow` and checked with
/// it, as one module; with `withTestFile`, `NAME.flow` is read with its test
/// file beside it, if there is one (docs/language.md, "Testing pipelines").
FrontendResult runFrontend(const std::string& path, llvm::SourceMgr& sources, DiagnosticEngine& diags,
                           bool parseOnly = false, bool withTestFile = false);

}  // namespace flow::driver

namespace flow::driver {

/// The pipeline to build: the one named `name`, or the only one when `name`
/// is empty. Reports UnknownPipeline (listing the pipelines) and returns null
/// when there is none, several without a name, or none of that name.
const ast::PipelineDecl* selectPipeline(const ast::Module& module, const std::string& name,
                                        DiagnosticEngine& diags);

/// What build, emit and graph start from: a checked module and the pipeline
/// they work on. `pipeline` is null when there were errors.
struct CheckedPipeline {
  FrontendResult frontend;
  const ast::PipelineDecl* pipeline = nullptr;
};

/// Runs the front end on `path`, selects the pipeline `name` (see
/// selectPipeline) and prints every diagnostic to stderr.
CheckedPipeline loadPipeline(const std::string& path, const std::string& name, llvm::SourceMgr& sources,
                             DiagnosticEngine& diags);

}  // namespace flow::driver
