// driver/toolchain.h — the C++ side of `flowc build`: finding a C++ compiler
// (clang++, else $CXX, else g++), finding the runtime (installed layout next
// to flowc first, then the build tree), and compiling a generated translation
// unit plus the user's extern .cpp files into an executable. A compile error
// in generated code is reported as a flowc bug with a short excerpt; errors in
// the user's extern files are the user's. Does not generate C++.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace flow::driver {

struct Runtime {
  std::string includeDir;   // holds flow/flow.h
  std::string library;      // the static runtime library, with debug info
  std::string linkLibrary;  // what programs link by default: the same without
                            // debug sections when present (faster to link)
};

/// Where the runtime is, relative to the running flowc (`argv0`).
std::optional<Runtime> locateRuntime(const char* argv0);

/// Path of the C++ compiler to use; `preferred` (--cxx) wins when set.
/// Empty when none is found.
std::string findCxxCompiler(const std::string& preferred);

struct CompileJob {
  std::string cxx;
  Runtime runtime;
  std::string generatedCpp;                // the emitted translation unit
  std::string flowFile;                    // for attributing errors
  std::vector<std::string> externSources;  // the user's .cpp files
  std::vector<std::string> includeDirs;    // -I: the .flow file's directory first
  std::vector<std::string> libraries;      // -l names the program needs beyond the runtime (`simdjson`)
  std::string output;                      // the executable
  std::string workDir;                     // for objects and logs
  bool warningsAsErrors = false;           // -Wall -Wextra -Werror (tests)
  bool debugInfo = false;                  // -g, and the runtime with its debug info
  bool verbose = false;                    // print the commands
  std::string pchCacheDir;                 // clang++ only: where <flow/flow.h>'s PCH is kept; empty = none
};

/// Compiles and links. Prints its own messages; returns true on success.
bool compileProgram(const CompileJob& job);

/// Writes `text` to `file`; on failure reports `flowc: error: cannot write
/// …` and returns false.
bool writeFile(const std::string& file, const std::string& text);

/// The directory of flowc's caches: $XDG_CACHE_HOME/flowc or ~/.cache/flowc.
std::string cacheRoot();

/// Runs `argv` (argv[0] is the program path), stdout/stderr to `log`.
/// Returns the exit status, or -1 if it could not run.
int runTool(const std::vector<std::string>& argv, const std::string& log, bool verbose);

}  // namespace flow::driver
