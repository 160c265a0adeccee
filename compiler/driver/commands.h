// driver/commands.h — the flowc subcommands (docs/language.md, "The compiler").
// `dispatch` parses argv with llvm::cl subcommands and runs one; it returns the
// process exit status (0 ok, 1 errors in the input or a failed build, 2 bad
// command line). Each subcommand lives in its own file; the option structs
// below are what they receive.
#pragma once

#include <string>
#include <vector>

namespace flow::driver {

int dispatch(int argc, char** argv);

/// `flowc build` and `flowc run`.
struct BuildOptions {
  std::string argv0;                       // to locate the runtime
  std::string input;                       // the .flow file
  std::vector<std::string> externSources;  // EXTERN.cpp files
  std::vector<std::string> includeDirs;    // -I
  std::string output;                      // -o
  std::string pipeline;                    // --pipeline
  std::string cxx;                         // --cxx (overrides discovery)
  bool emitCppOnly = false;                // write the C++ to -o and stop
  bool lineDirectives = true;              // --no-line-directives turns off
  bool warningsAsErrors = false;           // --Werror-cxx: -Wall -Wextra -Werror
  bool timePhases = false;                 // --time-phases
  bool verbose = false;                    // --verbose
  bool usePch = true;                      // --no-pch turns off the precompiled runtime header
  bool debugInfo = false;                  // -g: debug info in the program and the runtime it links
  std::vector<std::string> programArgs;    // run: after `--`
};
int runBuild(const BuildOptions& options);
int runRun(const BuildOptions& options);

struct EmitCommandOptions {
  std::string input, outputDir, pipeline;
  bool lineDirectives = true;
};
int runEmit(const EmitCommandOptions& options);

struct GraphOptions {
  std::string input, pipeline, format;  // format: dot | mermaid
  std::string statsPath;                // --stats: a run's --stats-json, drawn on the graph
};
int runGraph(const GraphOptions& options);

/// `flowc fmt`: prints the canonical layout, rewrites (-w) or lists the
/// files that would change (--check, exit 1 if any).
struct FmtOptions {
  std::vector<std::string> inputs;  // `-` is standard input
  bool write = false;
  bool check = false;
};
int runFmt(const FmtOptions& options);

/// `flowc test`: builds and runs the tests of a file and its test file.
struct TestOptions {
  std::string argv0;
  std::string input;                       // FILE.flow or FILE_test.flow
  std::vector<std::string> externSources;  // EXTERN.cpp files
  std::vector<std::string> includeDirs;    // -I
  std::string cxx;                         // --cxx
  std::string run;                         // --run: only tests whose name contains it
  int timeoutSeconds = 0;                  // --timeout: real time a run may take (0: the default)
  bool listAll = false;                    // -v: a line for passing tests too
  bool warningsAsErrors = false;           // --Werror-cxx
  bool verbose = false;                    // --verbose: the commands flowc runs
};
int runTest(const TestOptions& options);

}  // namespace flow::driver
