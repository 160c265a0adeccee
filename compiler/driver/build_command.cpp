// driver/build_command.cpp — `flowc build` (front end → graph → C++ → the C++
// compiler, against the runtime library) and `flowc run` (the same, cached
// by content hash under $XDG_CACHE_HOME/flowc, then exec of the program).
// Nothing is generated when the front end reports errors. The cache key
// covers everything the executable depends on: the .flow text, the extern
// sources and headers, -I dirs, the pipeline, the compiler, flowc itself and
// the runtime library.
#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Format.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/Process.h>
#include <llvm/Support/SHA1.h>
#include <llvm/Support/raw_ostream.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "driver/commands.h"
#include "driver/config.h"
#include "driver/frontend.h"
#include "driver/toolchain.h"
#include "emit/emit.h"
#include "ir/graph.h"

namespace flow::driver {
namespace {

namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;
using Clock = std::chrono::steady_clock;

class PhaseTimer {
 public:
  explicit PhaseTimer(bool on) : on_(on), last_(Clock::now()) {}
  void lap(const char* phase) {
    auto now = Clock::now();
    if (on_)
      llvm::errs() << "flowc: time: " << phase << ": "
                   << llvm::format("%.1f", std::chrono::duration<double, std::milli>(now - last_).count())
                   << " ms\n";
    last_ = now;
  }

 private:
  bool on_;
  Clock::time_point last_;
};

/// Checks `-o` before any work: it must not be the source itself (nor an
/// extern source), and its directory must exist. Reports and returns false.
bool outputUsable(const BuildOptions& o, const std::string& output) {
  if (output == "-") return true;
  std::vector<std::string> sources = {o.input};
  sources.insert(sources.end(), o.externSources.begin(), o.externSources.end());
  for (const auto& src : sources) {
    if (fs::exists(output) && fs::equivalent(src, output)) {
      llvm::errs() << "flowc: error: `-o " << output << "` would overwrite the source `" << src
                   << "`; choose another output name\n";
      return false;
    }
  }
  llvm::StringRef dir = path::parent_path(output);
  if (!dir.empty() && !fs::is_directory(dir)) {
    llvm::errs() << "flowc: error: cannot write `" << output << "`: directory `" << dir << "` "
                 << (fs::exists(dir) ? "is not a directory" : "does not exist") << "\n";
    return false;
  }
  if (fs::is_directory(output)) {
    llvm::errs() << "flowc: error: cannot write `" << output << "`: it is a directory\n";
    return false;
  }
  return true;
}

/// Removes the build's temporary directory on every way out, unless asked to
/// keep it (a failed --verbose build, for its files).
class TempDir {
 public:
  TempDir() = default;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (!path_.empty() && !keep_) fs::remove_directories(path_);
  }
  std::error_code create() { return fs::createUniqueDirectory("flowc", path_); }
  void keep() { keep_ = true; }
  [[nodiscard]] const llvm::SmallString<128>& path() const { return path_; }

 private:
  llvm::SmallString<128> path_;
  bool keep_ = false;
};

std::string flowDir(const std::string& input) {
  llvm::StringRef dir = path::parent_path(input);
  return dir.empty() ? std::string(".") : std::string(dir);
}

/// Builds `options.input` into `output`. Returns the exit status.
int buildTo(const BuildOptions& o, const std::string& output) {
  PhaseTimer timer(o.timePhases);
  if (!outputUsable(o, output)) return 1;
  llvm::SourceMgr sources;
  DiagnosticEngine diags(sources);
  CheckedPipeline checked = loadPipeline(o.input, o.pipeline, sources, diags);
  if (!checked.pipeline) return 1;
  timer.lap("front end");
  for (const auto& src : o.externSources) {
    if (!fs::exists(src)) {
      llvm::errs() << "flowc: error: cannot read `" << src << "`: No such file or directory\n";
      return 1;
    }
  }

  ir::Graph graph = ir::buildGraph(*checked.pipeline);
  emit::EmitOptions eo;
  eo.flowFile = o.input;
  eo.sources = &sources;
  eo.lineDirectives = o.lineDirectives;

  if (o.emitCppOnly) {
    eo.generatedFile = output == "-" ? std::string("generated.cpp") : output;
    std::string text = emit::emitProgram(*checked.frontend.module, graph, eo);
    timer.lap("emit");
    if (output == "-") {
      llvm::outs() << text;
      return 0;
    }
    return writeFile(output, text) ? 0 : 1;
  }

  std::string cxx = findCxxCompiler(o.cxx);
  if (cxx.empty()) {
    if (!o.cxx.empty()) {
      llvm::errs() << "flowc: error: C++ compiler `" << o.cxx << "` not found\n";
    } else {
      llvm::errs() << "flowc: error: no C++ compiler found; install clang++ or set CXX\n";
    }
    return 1;
  }
  std::optional<Runtime> runtime = locateRuntime(o.argv0.c_str());
  if (!runtime) {
    llvm::errs() << "flowc: error: cannot find the flow runtime (flow/flow.h and " FLOWC_RUNTIME_LIB_NAME
                    ") next to flowc or in its build tree\n";
    return 1;
  }

  TempDir temp;
  if (std::error_code ec = temp.create()) {
    llvm::errs() << "flowc: error: cannot create a temporary directory: " << ec.message() << "\n";
    return 1;
  }
  const llvm::SmallString<128>& work = temp.path();
  std::string stem = std::string(path::stem(o.input));
  llvm::SmallString<256> gen(work);
  path::append(gen, stem + ".cpp");
  eo.generatedFile = std::string(gen);
  std::string text = emit::emitProgram(*checked.frontend.module, graph, eo);
  timer.lap("emit");
  if (!writeFile(std::string(gen), text)) return 1;
  // The extern .cpp files include PIPELINE.flow.h for the records and the
  // extern declarations; it lives beside the generated source.
  llvm::SmallString<256> shared(work);
  path::append(shared, emit::sharedHeaderName(graph));
  if (!writeFile(std::string(shared), emit::emitSharedHeader(*checked.frontend.module, graph, eo))) return 1;

  CompileJob job;
  job.cxx = cxx;
  job.runtime = *runtime;
  job.generatedCpp = std::string(gen);
  job.flowFile = o.input;
  job.externSources = o.externSources;
  job.includeDirs.push_back(flowDir(o.input));
  job.includeDirs.insert(job.includeDirs.end(), o.includeDirs.begin(), o.includeDirs.end());
  job.includeDirs.push_back(std::string(work));
  // from_json decodes with simdjson, a shared library the runtime's json.o needs.
  if (emit::usesJsonDecoding(*checked.frontend.module, graph)) job.libraries.push_back("simdjson");
  job.output = output;
  job.workDir = std::string(work);
  job.warningsAsErrors = o.warningsAsErrors;
  job.verbose = o.verbose;
  job.debugInfo = o.debugInfo;
  if (o.usePch) job.pchCacheDir = cacheRoot() + "/pch";
  bool ok = compileProgram(job);
  timer.lap("c++ compile");
  if (!ok && o.verbose) {
    temp.keep();
    llvm::errs() << "flowc: note: kept " << work << "\n";
  }
  return ok ? 0 : 1;
}

// ---- run: the build cache

void hashFile(llvm::SHA1& h, const std::string& file) {
  h.update(file);
  h.update(llvm::StringRef("\0", 1));
  if (auto buffer = llvm::MemoryBuffer::getFile(file)) h.update((*buffer)->getBuffer());
  h.update(llvm::StringRef("\0", 1));
}

void hashStat(llvm::SHA1& h, const std::string& file) {
  fs::file_status st;
  h.update(file);
  if (!fs::status(file, st)) {
    h.update(std::to_string(st.getSize()));
    h.update(std::to_string(st.getLastModificationTime().time_since_epoch().count()));
  }
}

/// Every extern header named in the .flow text that exists beside it or in
/// a -I directory (cheap: a textual scan of `extern "…"`).
std::vector<std::string> externHeaders(const BuildOptions& o, llvm::StringRef text) {
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = text.find("extern", at)) != llvm::StringRef::npos) {
    at += 6;
    size_t open = text.find('"', at);
    if (open == llvm::StringRef::npos) break;
    size_t close = text.find('"', open + 1);
    if (close == llvm::StringRef::npos) break;
    std::string name = std::string(text.slice(open + 1, close));
    std::vector<std::string> dirs = {flowDir(o.input)};
    dirs.insert(dirs.end(), o.includeDirs.begin(), o.includeDirs.end());
    for (const auto& d : dirs) {
      std::string candidate = d + "/" + name;
      if (fs::exists(candidate)) {
        out.push_back(candidate);
        break;
      }
    }
  }
  return out;
}

}  // namespace

int runBuild(const BuildOptions& o) { return buildTo(o, o.output); }

int runRun(const BuildOptions& o) {
  auto source = llvm::MemoryBuffer::getFile(o.input);
  if (!source) {
    // Let the front end report it the usual way.
    return buildTo(o, "-");
  }
  llvm::SHA1 h;
  h.update(FLOWC_VERSION);
  h.update((*source)->getBuffer());
  for (const auto& f : o.externSources) hashFile(h, f);
  for (const auto& f : externHeaders(o, (*source)->getBuffer())) hashFile(h, f);
  for (const auto& d : o.includeDirs) h.update(d + "\n");
  h.update("pipeline=" + o.pipeline + (o.lineDirectives ? "" : " noline") +
           (o.warningsAsErrors ? " werror" : "") + (o.debugInfo ? " g" : ""));
  h.update("cxx=" + findCxxCompiler(o.cxx));
  static int anchor;
  hashStat(h, fs::getMainExecutable(o.argv0.c_str(), &anchor));
  if (std::optional<Runtime> rt = locateRuntime(o.argv0.c_str())) {
    hashStat(h, rt->library);
    hashStat(h, rt->linkLibrary);
    hashStat(h, rt->includeDir + "/flow/flow.h");
  }
  std::string key = llvm::toHex(h.final(), /*LowerCase=*/true).substr(0, 24);

  std::string dir = cacheRoot() + "/" + key;
  std::string bin = dir + "/" + std::string(path::stem(o.input));
  if (fs::can_execute(bin)) {
    if (o.verbose) llvm::errs() << "flowc: using cached build " << bin << "\n";
  } else {
    if (std::error_code ec = fs::create_directories(dir)) {
      llvm::errs() << "flowc: error: cannot create the cache directory `" << dir << "`: " << ec.message()
                   << "\n";
      return 1;
    }
    // Build beside the final name and rename, so a concurrent or interrupted
    // run never leaves a half-written executable in the cache.
    std::string partial = bin + ".tmp" + std::to_string(::getpid());
    if (int status = buildTo(o, partial); status != 0) return status;
    if (std::error_code ec = fs::rename(partial, bin)) {
      llvm::errs() << "flowc: error: cannot store the build in the cache: " << ec.message() << "\n";
      return 1;
    }
    if (o.verbose) llvm::errs() << "flowc: built " << bin << "\n";
  }

  llvm::outs().flush();
  llvm::errs().flush();
  std::vector<char*> argv;
  std::string argv0 = bin;
  argv.push_back(argv0.data());
  std::vector<std::string> args = o.programArgs;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(bin.c_str(), argv.data());
  llvm::errs() << "flowc: error: cannot run `" << bin << "`: " << std::strerror(errno) << "\n";
  return 1;
}

}  // namespace flow::driver
