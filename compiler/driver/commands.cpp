// driver/commands.cpp — flags of every flowc subcommand and their dispatch.
// `check` is implemented here; build/run (build_command.cpp), emit
// (emit_command.cpp), graph (graph_command.cpp) and fmt (fmt_command.cpp) get
// an options struct.
#include "driver/commands.h"

#include <llvm/Config/llvm-config.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/Process.h>
#include <llvm/Support/raw_ostream.h>

#include <cstring>

#include "ast/dump.h"
#include "driver/config.h"
#include "driver/frontend.h"
#include "lsp/server.h"

namespace cl = llvm::cl;

namespace flow::driver {
namespace {

// The commands, as error messages list them.
constexpr const char* kCommands = "build, run, emit, check, graph, fmt, test, lsp";

// Every flowc flag is in this category; main() hides the rest (the options
// LLVM's libraries register globally) from --help.
cl::OptionCategory flowcCategory("flowc options");

cl::SubCommand checkCmd("check", "Check a .flow file and print diagnostics only");
cl::SubCommand buildCmd("build", "Build a standalone executable from a .flow file");
cl::SubCommand runCmd("run", "Build (cached) and run a .flow file; program arguments follow `--`");
cl::SubCommand emitCmd("emit", "Write a C++ header and source for embedding in a host program");
cl::SubCommand graphCmd("graph", "Print the pipeline as a graph (dot or mermaid)");
cl::SubCommand fmtCmd("fmt", "Print .flow files in the canonical layout, or rewrite them (-w)");
cl::SubCommand lspCmd("lsp", "Run the language server on stdin/stdout (for editors)");
cl::SubCommand testCmd("test", "Build and run the tests of a .flow file (and of FILE_test.flow beside it)");

// ---- check
cl::opt<std::string> checkInput(cl::Positional, cl::desc("<file.flow>"), cl::Required, cl::cat(flowcCategory),
                                cl::sub(checkCmd));
enum class EmitWhat { None, Ast };
cl::opt<EmitWhat> checkEmit("emit", cl::desc("Dump a phase's output to stdout"), cl::init(EmitWhat::None),
                            cl::values(clEnumValN(EmitWhat::Ast, "ast", "the checked AST")),
                            cl::cat(flowcCategory), cl::sub(checkCmd));
cl::opt<bool> checkParseOnly("parse-only",
                             cl::desc("Stop after parsing (with --emit=ast: the unchecked AST)"),
                             cl::cat(flowcCategory), cl::sub(checkCmd));
cl::opt<bool> warningsAsErrors("Werror", cl::desc("Treat warnings as errors"), cl::cat(flowcCategory),
                               cl::sub(checkCmd));

// ---- build / run
cl::list<std::string> buildInputs(cl::Positional, cl::desc("<file.flow> [extern.cpp…]"), cl::OneOrMore,
                                  cl::cat(flowcCategory), cl::sub(buildCmd), cl::sub(runCmd));
cl::opt<std::string> buildOutput(
    "o", cl::desc("Output executable (with --emit-cpp-only: the C++ file, - for stdout)"),
    cl::value_desc("path"), cl::cat(flowcCategory), cl::sub(buildCmd));
cl::list<std::string> includeDirs("I", cl::desc("Directory searched for extern headers"),
                                  cl::value_desc("dir"), cl::Prefix, cl::cat(flowcCategory),
                                  cl::sub(buildCmd), cl::sub(runCmd), cl::sub(testCmd));
cl::opt<std::string> pipelineName("pipeline", cl::desc("The pipeline to build when the file has several"),
                                  cl::value_desc("name"), cl::cat(flowcCategory), cl::sub(buildCmd),
                                  cl::sub(runCmd), cl::sub(emitCmd), cl::sub(graphCmd));
cl::opt<std::string> cxxCompiler("cxx",
                                 cl::desc("C++ compiler to use (default: clang++, else $CXX, else g++)"),
                                 cl::value_desc("path"), cl::cat(flowcCategory), cl::sub(buildCmd),
                                 cl::sub(runCmd), cl::sub(testCmd));
cl::opt<bool> emitCppOnly("emit-cpp-only", cl::desc("Write the generated C++ to -o and stop"),
                          cl::cat(flowcCategory), cl::sub(buildCmd));
cl::opt<bool> noLineDirectives("no-line-directives",
                               cl::desc("Do not map generated C++ back to the .flow file"),
                               cl::cat(flowcCategory), cl::sub(buildCmd), cl::sub(runCmd), cl::sub(emitCmd));
cl::opt<bool> werrorCxx("Werror-cxx", cl::desc("Compile the generated C++ with -Wall -Wextra -Werror"),
                        cl::cat(flowcCategory), cl::sub(buildCmd), cl::sub(runCmd), cl::sub(testCmd));
cl::opt<bool> timePhases("time-phases", cl::desc("Print the time of each phase to stderr"),
                         cl::cat(flowcCategory), cl::sub(buildCmd), cl::sub(runCmd));
cl::opt<bool> noPch("no-pch", cl::desc("Do not use a precompiled <flow/flow.h> (clang++ only; cached)"),
                    cl::cat(flowcCategory), cl::sub(buildCmd), cl::sub(runCmd));
cl::opt<bool> debugInfo(
    "g", cl::desc("Compile the generated C++ with debug info and link the runtime with its own"),
    cl::cat(flowcCategory), cl::sub(buildCmd), cl::sub(runCmd));
cl::opt<bool> verbose("verbose", cl::desc("Say what flowc does (commands, cache hits)"),
                      cl::cat(flowcCategory), cl::sub(buildCmd), cl::sub(runCmd), cl::sub(testCmd));

// ---- emit
cl::opt<std::string> emitInput(cl::Positional, cl::desc("<file.flow>"), cl::Required, cl::cat(flowcCategory),
                               cl::sub(emitCmd));
cl::opt<std::string> emitOutputDir("o", cl::desc("Output directory"), cl::value_desc("dir"), cl::Required,
                                   cl::cat(flowcCategory), cl::sub(emitCmd));

// ---- graph
cl::opt<std::string> graphInput(cl::Positional, cl::desc("<file.flow>"), cl::Required, cl::cat(flowcCategory),
                                cl::sub(graphCmd));
cl::opt<std::string> graphFormat("format", cl::desc("dot (default) or mermaid"), cl::init("dot"),
                                 cl::value_desc("dot|mermaid"), cl::cat(flowcCategory), cl::sub(graphCmd));
cl::opt<std::string> graphStats("stats",
                                cl::desc("Draw a run's figures on the graph (a program's --stats-json file)"),
                                cl::value_desc("stats.json"), cl::cat(flowcCategory), cl::sub(graphCmd));

// ---- fmt
cl::list<std::string> fmtInputs(cl::Positional, cl::desc("<file.flow>… (- for standard input)"),
                                cl::OneOrMore, cl::cat(flowcCategory), cl::sub(fmtCmd));
cl::opt<bool> fmtWrite("w", cl::desc("Rewrite each file that is not in the canonical layout"),
                       cl::cat(flowcCategory), cl::sub(fmtCmd));
cl::opt<bool> fmtCheck(
    "check", cl::desc("Write nothing; list the files that are not in the canonical layout (exit 1 if any)"),
    cl::cat(flowcCategory), cl::sub(fmtCmd));

// ---- test
cl::list<std::string> testInputs(cl::Positional, cl::desc("<file.flow> [extern.cpp…]"), cl::OneOrMore,
                                 cl::cat(flowcCategory), cl::sub(testCmd));
cl::opt<bool> testAll("v", cl::desc("Print a line for every test, passed ones too"), cl::cat(flowcCategory),
                      cl::sub(testCmd));
cl::opt<std::string> testRun("run", cl::desc("Run only the tests whose name contains this text"),
                             cl::value_desc("text"), cl::cat(flowcCategory), cl::sub(testCmd));
cl::opt<int> testTimeout("timeout",
                         cl::desc("Real seconds a test's run may take before it is cancelled (default 60)"),
                         cl::value_desc("seconds"), cl::init(0), cl::cat(flowcCategory), cl::sub(testCmd));

// ---- lsp
cl::opt<bool> lspStdio("stdio",
                       cl::desc("Talk over stdin/stdout (the default; accepted for editors that pass it)"),
                       cl::cat(flowcCategory), cl::sub(lspCmd));

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

BuildOptions buildOptions(const char* argv0, std::vector<std::string> programArgs) {
  BuildOptions o;
  o.argv0 = argv0;
  o.input = buildInputs.front();
  o.externSources.assign(buildInputs.begin() + 1, buildInputs.end());
  o.includeDirs.assign(includeDirs.begin(), includeDirs.end());
  o.output = buildOutput;
  o.pipeline = pipelineName;
  o.cxx = cxxCompiler;
  o.emitCppOnly = emitCppOnly;
  o.lineDirectives = !noLineDirectives;
  o.warningsAsErrors = werrorCxx;
  o.timePhases = timePhases;
  o.verbose = verbose;
  o.usePch = !noPch;
  o.debugInfo = debugInfo;
  o.programArgs = std::move(programArgs);
  return o;
}

}  // namespace

int dispatch(int argc, char** argv) {
  // `flowc run FILE -- ARGS…`: everything after `--` belongs to the program.
  std::vector<std::string> programArgs;
  int flowcArgc = argc;
  if (argc > 1 && std::strcmp(argv[1], "run") == 0) {
    for (int i = 2; i < argc; ++i) {
      if (std::strcmp(argv[i], "--") != 0) continue;
      programArgs.assign(argv + i + 1, argv + argc);
      flowcArgc = i;
      break;
    }
  }
  if (argc > 1 && argv[1][0] != '-') {
    llvm::StringRef command = argv[1];
    bool known = false;
    for (const cl::SubCommand* sub :
         {&checkCmd, &buildCmd, &runCmd, &emitCmd, &graphCmd, &fmtCmd, &testCmd, &lspCmd})
      known = known || command == sub->getName();
    if (!known) {
      llvm::errs() << "flowc: error: unknown command `" << command << "`; use one of: " << kCommands
                   << " (see flowc --help)\n";
      return 2;
    }
  }
  // --help shows flowc's own flags only, not the options LLVM's libraries
  // register globally; --version is flowc's.
  for (cl::SubCommand* sub : {&*cl::TopLevelSubCommand, &checkCmd, &buildCmd, &runCmd, &emitCmd, &graphCmd,
                              &fmtCmd, &testCmd, &lspCmd})
    cl::HideUnrelatedOptions(flowcCategory, *sub);
  cl::SetVersionPrinter([](llvm::raw_ostream& os) {
    os << "flowc version " FLOWC_VERSION "\n"
       << "built with LLVM " LLVM_VERSION_STRING "\n";
  });
  if (!cl::ParseCommandLineOptions(flowcArgc, argv, "flowc — the Flow compiler\n", &llvm::errs())) return 2;
  if (checkCmd) return runCheck();
  if (buildCmd) {
    if (buildOutput.empty()) {
      llvm::errs() << "flowc: error: no output given; use -o BIN\n";
      return 2;
    }
    return runBuild(buildOptions(argv[0], {}));
  }
  if (runCmd) return runRun(buildOptions(argv[0], std::move(programArgs)));
  if (emitCmd) return runEmit({emitInput, emitOutputDir, pipelineName, !noLineDirectives});
  if (graphCmd) {
    if (graphFormat != "dot" && graphFormat != "mermaid") {
      llvm::errs() << "flowc: error: unknown graph format `" << graphFormat << "`; use dot or mermaid\n";
      return 2;
    }
    return runGraph({graphInput, pipelineName, graphFormat, graphStats});
  }
  if (fmtCmd) {
    if (fmtWrite && fmtCheck) {
      llvm::errs() << "flowc: error: -w and --check exclude each other\n";
      return 2;
    }
    return runFmt({{fmtInputs.begin(), fmtInputs.end()}, fmtWrite, fmtCheck});
  }
  if (lspCmd) return lsp::runServer(stdin, stdout);
  if (testCmd) {
    TestOptions t;
    t.argv0 = argv[0];
    t.input = testInputs.front();
    t.externSources.assign(testInputs.begin() + 1, testInputs.end());
    t.includeDirs.assign(includeDirs.begin(), includeDirs.end());
    t.cxx = cxxCompiler;
    t.run = testRun;
    t.timeoutSeconds = testTimeout;
    t.listAll = testAll;
    t.warningsAsErrors = werrorCxx;
    t.verbose = verbose;
    return runTest(t);
  }
  llvm::errs() << "flowc: error: no command given; use one of: " << kCommands << " (see flowc --help)\n";
  return 2;
}

}  // namespace flow::driver
