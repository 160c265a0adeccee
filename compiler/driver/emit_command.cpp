// driver/emit_command.cpp — `flowc emit FILE.flow -o DIR`: writes the embedding
// header and source (docs/language.md, "Embedding"; emit::emitEmbedding) into
// DIR, and PIPELINE.flow.h, the records and extern declarations for extern .cpp
// files. Nothing is written when the front end reports errors.
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/Process.h>
#include <llvm/Support/raw_ostream.h>

#include "driver/commands.h"
#include "driver/frontend.h"
#include "driver/toolchain.h"
#include "emit/emit.h"
#include "ir/graph.h"

namespace flow::driver {
int runEmit(const EmitCommandOptions& o) {
  llvm::SourceMgr sources;
  DiagnosticEngine diags(sources);
  CheckedPipeline checked = loadPipeline(o.input, o.pipeline, sources, diags);
  if (!checked.pipeline) return 1;
  if (std::error_code ec = llvm::sys::fs::create_directories(o.outputDir)) {
    llvm::errs() << "flowc: error: cannot create `" << o.outputDir << "`: " << ec.message() << "\n";
    return 1;
  }
  ir::Graph graph = ir::buildGraph(*checked.pipeline);
  emit::EmitOptions eo;
  eo.flowFile = o.input;
  eo.sources = &sources;
  eo.lineDirectives = o.lineDirectives;
  emit::EmbedFiles files = emit::emitEmbedding(*checked.frontend.module, graph, eo);
  llvm::SmallString<256> header(o.outputDir), source(o.outputDir), shared(o.outputDir);
  llvm::sys::path::append(header, files.headerName);
  llvm::sys::path::append(source, files.sourceName);
  llvm::sys::path::append(shared, files.sharedName);
  // The source's #line restores need its final name; emit again with it.
  eo.generatedFile = std::string(source);
  files = emit::emitEmbedding(*checked.frontend.module, graph, eo);
  if (!writeFile(std::string(header), files.header) || !writeFile(std::string(source), files.source) ||
      !writeFile(std::string(shared), files.shared))
    return 1;
  return 0;
}

}  // namespace flow::driver
