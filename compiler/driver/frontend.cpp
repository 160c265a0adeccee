// driver/frontend.cpp — file loading and the parse → sema sequence.
#include "driver/frontend.h"

#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Process.h>
#include <llvm/Support/raw_ostream.h>

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
  // A UTF-8 byte order mark is not part of the text (columns count from
  // after it); the parser would read it as spaces anyway.
  std::unique_ptr<llvm::MemoryBuffer> text = std::move(*buffer);
  if (text->getBuffer().startswith("\xEF\xBB\xBF"))
    text = llvm::MemoryBuffer::getMemBufferCopy(text->getBuffer().drop_front(3), text->getBufferIdentifier());
  unsigned id = sources.AddNewSourceBuffer(std::move(text), llvm::SMLoc());
  result.module = parseModule(id, diags);
  result.module->fileName = path;
  if (!parseOnly) checkModule(*result.module, diags);
  result.ok = !diags.hasErrors();
  return result;
}

}  // namespace flow::driver

namespace flow::driver {

const ast::PipelineDecl* selectPipeline(const ast::Module& module, const std::string& name,
                                        DiagnosticEngine& diags) {
  std::string all;
  for (const auto& p : module.pipelines)
    all += std::string(all.empty() ? "" : ", ") + "`" + p->name.name + "`";
  if (module.pipelines.empty()) {
    diags.report(DiagKind::UnknownPipeline, {}, "`" + module.fileName + "` declares no pipeline");
    return nullptr;
  }
  if (name.empty()) {
    if (module.pipelines.size() == 1) return module.pipelines.front().get();
    diags.report(DiagKind::UnknownPipeline, {},
                 "`" + module.fileName + "` declares several pipelines (" + all +
                     "); choose one with --pipeline NAME");
    return nullptr;
  }
  for (const auto& p : module.pipelines)
    if (p->name.name == name) return p.get();
  diags.report(DiagKind::UnknownPipeline, {}, "no pipeline named `" + name + "`; the file declares " + all);
  return nullptr;
}

CheckedPipeline loadPipeline(const std::string& path, const std::string& name, llvm::SourceMgr& sources,
                             DiagnosticEngine& diags) {
  CheckedPipeline result;
  result.frontend = runFrontend(path, sources, diags);
  if (result.frontend.ok) result.pipeline = selectPipeline(*result.frontend.module, name, diags);
  diags.print(llvm::errs(), llvm::sys::Process::StandardErrHasColors());
  return result;
}

}  // namespace flow::driver
