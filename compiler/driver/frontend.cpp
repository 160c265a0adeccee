// driver/frontend.cpp — file loading and the parse → sema sequence.
#include "driver/frontend.h"

#include <llvm/Support/MemoryBuffer.h>

#include "parse/parse.h"
#include "sema/sema.h"

namespace flow::driver {

FrontendResult runFrontend(const std::string& path, llvm::SourceMgr& sources, DiagnosticEngine& diags,
                           bool parseOnly) {
  FrontendResult result;
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!buffer) {
    diags.report(DiagKind::CannotReadFile, {}, "cannot read `" + path + "`: " + buffer.getError().message());
    return result;
  }
  unsigned id = sources.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  result.module = parseModule(id, diags);
  result.module->fileName = path;
  if (!parseOnly) checkModule(*result.module, diags);
  result.ok = !diags.hasErrors();
  return result;
}

}  // namespace flow::driver
