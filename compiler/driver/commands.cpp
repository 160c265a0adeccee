// driver/commands.cpp — flags of every flowc subcommand and their dispatch.
// `check` is implemented here; build/run/emit/graph call into the emitter.
#include "driver/commands.h"

#include <llvm/Support/CommandLine.h>
#include <llvm/Support/Process.h>
#include <llvm/Support/raw_ostream.h>

#include "ast/dump.h"
#include "driver/frontend.h"

namespace cl = llvm::cl;

namespace flow::driver {
namespace {

cl::SubCommand checkCmd("check", "Check a .flow file and print diagnostics only");

cl::opt<std::string> checkInput(cl::Positional, cl::desc("<file.flow>"), cl::Required, cl::sub(checkCmd));

enum class EmitWhat { None, Ast };
cl::opt<EmitWhat> checkEmit("emit", cl::desc("Dump a phase's output to stdout"), cl::init(EmitWhat::None),
                            cl::values(clEnumValN(EmitWhat::Ast, "ast", "the checked AST")), cl::sub(checkCmd));
cl::opt<bool> checkParseOnly("parse-only", cl::desc("Stop after parsing (with --emit=ast: the unchecked AST)"),
                             cl::sub(checkCmd));
cl::opt<bool> warningsAsErrors("Werror", cl::desc("Treat warnings as errors"), cl::sub(checkCmd));

bool useColor() { return llvm::sys::Process::StandardErrHasColors(); }

int runCheck() {
  llvm::SourceMgr sources;
  DiagnosticEngine diags(sources);
  diags.setWarningsAsErrors(warningsAsErrors);
  FrontendResult result = runFrontend(checkInput, sources, diags, checkParseOnly);
  diags.print(llvm::errs(), useColor());
  if (checkEmit == EmitWhat::Ast && result.module) ast::dump(*result.module, sources, llvm::outs());
  return result.ok ? 0 : 1;
}

}  // namespace

int dispatch(int argc, char** argv) {
  if (!cl::ParseCommandLineOptions(argc, argv, "flowc — the Flow compiler\n", &llvm::errs())) return 2;
  if (checkCmd) return runCheck();
  llvm::errs() << "flowc: error: no command given; use one of: build, run, emit, check, graph (see flowc --help)\n";
  return 2;
}

}  // namespace flow::driver
