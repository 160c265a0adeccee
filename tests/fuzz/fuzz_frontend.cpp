// tests/fuzz/fuzz_frontend.cpp — libFuzzer entry over the whole front end:
// parse (lexer, token filter, ANTLR parser with recovery, AST builder), sema
// (flow::checkModule), the AST dump and diagnostic rendering, on arbitrary
// bytes. The property checked is the one docs/language.md, "The compiler"
// promises: no input crashes, asserts, hangs or leaks (ASan), and nothing is
// printed — all output goes to a null stream. Build and run:
// tests/fuzz/run_fuzz.sh.
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

#include <cstddef>
#include <cstdint>

#include "ast/dump.h"
#include "diag/diagnostics.h"
#include "parse/parse.h"
#include "sema/sema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  llvm::SourceMgr sources;
  flow::DiagnosticEngine diags(sources);
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(
      llvm::StringRef(reinterpret_cast<const char*>(data), size), "fuzz.flow");
  unsigned id = sources.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  std::unique_ptr<flow::ast::Module> module = flow::parseModule(id, diags);
  module->fileName = "fuzz.flow";
  flow::checkModule(*module, diags);
  llvm::raw_null_ostream sink;
  diags.print(sink);
  flow::ast::dump(*module, sources, sink);
  return 0;
}
