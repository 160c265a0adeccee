// driver/fmt_command.cpp — `flowc fmt FILE… [-w] [--check]` (docs/fmt.md):
// prints each file in the canonical layout (format/format.h), rewrites the
// files that change (-w), or lists them and fails (--check). `-` is standard
// input. A file with a syntax error is reported and left alone. Does not
// decide the layout: format/ does.
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Process.h>
#include <llvm/Support/raw_ostream.h>

#include "driver/commands.h"
#include "format/format.h"

namespace flow::driver {
namespace {

/// Replaces `path` by `text` through a temporary file in the same
/// directory, so a failed write never leaves half a file; keeps its mode.
bool writeAtomically(const std::string& path, const std::string& text, std::string& error) {
  llvm::ErrorOr<llvm::sys::fs::perms> mode = llvm::sys::fs::getPermissions(path);
  std::string temp = path + ".flowc-fmt";
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(temp, ec);
    if (ec) {
      error = ec.message();
      return false;
    }
    out << text;
    out.close();
    if (out.has_error()) {
      error = out.error().message();
      out.clear_error();
      llvm::sys::fs::remove(temp);
      return false;
    }
  }
  if (mode) (void)llvm::sys::fs::setPermissions(temp, *mode);
  if (std::error_code ec = llvm::sys::fs::rename(temp, path)) {
    error = ec.message();
    llvm::sys::fs::remove(temp);
    return false;
  }
  return true;
}

}  // namespace

int runFmt(const FmtOptions& options) {
  const bool color = llvm::sys::Process::StandardErrHasColors();
  int status = 0;
  for (const std::string& path : options.inputs) {
    llvm::SourceMgr sources;
    DiagnosticEngine diags(sources);
    auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
    if (!buffer) {
      llvm::errs() << "flowc: error: cannot read `" << path << "`: " << buffer.getError().message() << "\n";
      status = 1;
      continue;
    }
    const std::string original = (*buffer)->getBuffer().str();
    const unsigned id = sources.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
    std::optional<std::string> formatted = format::formatBuffer(id, diags);
    diags.print(llvm::errs(), color);
    if (!formatted) {
      status = 1;
      continue;
    }
    const bool changes = *formatted != original;
    if (options.check) {
      if (changes) {
        llvm::outs() << path << "\n";
        status = 1;
      }
      continue;
    }
    if (!options.write || path == "-") {
      llvm::outs() << *formatted;
      continue;
    }
    std::string error;
    if (changes && !writeAtomically(path, *formatted, error)) {
      llvm::errs() << "flowc: error: cannot write `" << path << "`: " << error << "\n";
      status = 1;
    }
  }
  return status;
}

}  // namespace flow::driver
