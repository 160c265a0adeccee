// driver/frontend.cpp — file loading and the parse → sema sequence, with a
// test file (NAME_test.flow) joined to the file it tests.
#include "driver/frontend.h"

#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Process.h>
#include <llvm/Support/raw_ostream.h>

#include "parse/parse.h"
#include "sema/sema.h"

namespace flow::driver {

namespace {

/// Reads `path` into `sources` (a UTF-8 byte order mark dropped); 0 when it
/// cannot be read (reported).
unsigned loadFile(const std::string& path, llvm::SourceMgr& sources, DiagnosticEngine& diags) {
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!buffer) {
    diags.report(DiagKind::CannotReadFile, {}, "cannot read `" + path + "`: " + buffer.getError().message());
    return 0;
  }
  // A UTF-8 byte order mark is not part of the text (columns count from
  // after it); the parser would read it as spaces anyway.
  std::unique_ptr<llvm::MemoryBuffer> text = std::move(*buffer);
  if (text->getBuffer().startswith("\xEF\xBB\xBF"))
    text = llvm::MemoryBuffer::getMemBufferCopy(text->getBuffer().drop_front(3), text->getBufferIdentifier());
  return sources.AddNewSourceBuffer(std::move(text), llvm::SMLoc());
}

}  // namespace

FrontendResult runFrontend(const std::string& path, llvm::SourceMgr& sources, DiagnosticEngine& diags,
                           bool parseOnly, bool withTestFile) {
  FrontendResult result;
  // A test file is checked together with the file it tests, and `flowc
  // test` checks a file together with its test file.
  std::string subject = ast::subjectOfTestFile(path);
  std::string testFile = withTestFile && subject.empty() ? ast::testFileFor(path) : std::string();
  if (!subject.empty() && !llvm::sys::fs::exists(subject)) subject.clear();
  if (!testFile.empty() && !llvm::sys::fs::exists(testFile)) testFile.clear();
  const std::string first = subject.empty() ? path : subject;
  const std::string second = subject.empty() ? testFile : path;
  unsigned id = loadFile(first, sources, diags);
  if (id == 0) return result;
  result.module = parseModule(id, diags);
  result.module->fileName = path;
  if (!second.empty()) {
    unsigned more = loadFile(second, sources, diags);
    if (more == 0) return result;
    std::unique_ptr<ast::Module> tests = parseModule(more, diags);
    ast::appendDeclarations(*result.module, *tests);
  }
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
