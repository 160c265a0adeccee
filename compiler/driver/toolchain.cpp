// driver/toolchain.cpp — compiler and runtime discovery, and the compile /
// link commands of `flowc build` (see toolchain.h).
#include "driver/toolchain.h"

#include <llvm/ADT/SmallString.h>
#include <llvm/ADT/StringExtras.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/Program.h>
#include <llvm/Support/SHA1.h>
#include <llvm/Support/raw_ostream.h>

#include <unistd.h>

#include <cstdlib>

#include "driver/config.h"

namespace flow::driver {
namespace {

namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

std::string join(llvm::StringRef a, llvm::StringRef b) {
  llvm::SmallString<256> p(a);
  path::append(p, b);
  path::remove_dots(p, /*remove_dot_dot=*/true);
  return std::string(p);
}

std::string resolveProgram(const std::string& name) {
  if (name.empty()) return {};
  if (name.find('/') != std::string::npos) return fs::can_execute(name) ? name : std::string();
  auto found = llvm::sys::findProgramByName(name);
  return found ? *found : std::string();
}

/// The first lines of a compiler log that say something (errors first).
void printExcerpt(const std::string& log, unsigned maxLines) {
  auto buffer = llvm::MemoryBuffer::getFile(log);
  if (!buffer) return;
  llvm::SmallVector<llvm::StringRef, 64> lines;
  (*buffer)->getBuffer().split(lines, '\n', -1, false);
  unsigned shown = 0;
  for (llvm::StringRef line : lines) {
    if (shown == maxLines) {
      llvm::errs() << "  …\n";
      break;
    }
    llvm::errs() << "  " << line << "\n";
    ++shown;
  }
}

/// The file named by the first "FILE:LINE:COL: error:" line of a log.
std::string firstErrorFile(const std::string& log) {
  auto buffer = llvm::MemoryBuffer::getFile(log);
  if (!buffer) return {};
  llvm::SmallVector<llvm::StringRef, 64> lines;
  (*buffer)->getBuffer().split(lines, '\n', -1, false);
  for (llvm::StringRef line : lines) {
    size_t at = line.find(": error:");
    if (at == llvm::StringRef::npos) at = line.find(": fatal error:");
    if (at == llvm::StringRef::npos) continue;
    llvm::StringRef where = line.take_front(at);
    // Strip ":LINE:COL".
    for (int i = 0; i < 2; ++i) {
      size_t colon = where.rfind(':');
      if (colon != llvm::StringRef::npos &&
          where.substr(colon + 1).find_first_not_of("0123456789") == llvm::StringRef::npos)
        where = where.take_front(colon);
    }
    return std::string(where);
  }
  return {};
}

bool sameFile(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  return fs::equivalent(a, b);
}

}  // namespace

std::optional<Runtime> locateRuntime(const char* argv0) {
  static int anchor;
  std::string exe = fs::getMainExecutable(argv0, &anchor);
  llvm::StringRef binDir = path::parent_path(exe);
  auto found = [](std::string include, std::string lib, std::string nodebug) -> std::optional<Runtime> {
    if (!fs::exists(join(include, "flow/flow.h")) || !fs::exists(lib)) return std::nullopt;
    std::string link = fs::exists(nodebug) ? nodebug : lib;
    return Runtime{std::move(include), std::move(lib), std::move(link)};
  };
  const std::string libDir = join(binDir, FLOWC_INSTALL_LIB_REL);
  if (auto installed = found(join(binDir, FLOWC_INSTALL_INCLUDE_REL), join(libDir, FLOWC_RUNTIME_LIB_NAME),
                             join(libDir, FLOWC_RUNTIME_NODEBUG_LIB_NAME)))
    return installed;
  return found(FLOWC_BUILD_RUNTIME_INCLUDE, FLOWC_BUILD_RUNTIME_LIB, FLOWC_BUILD_RUNTIME_NODEBUG_LIB);
}

std::string findCxxCompiler(const std::string& preferred) {
  if (!preferred.empty()) return resolveProgram(preferred);
  if (std::string clang = resolveProgram("clang++"); !clang.empty()) return clang;
  if (const char* cxx = std::getenv("CXX"); cxx && *cxx)
    if (std::string p = resolveProgram(cxx); !p.empty()) return p;
  return resolveProgram("g++");
}

int runTool(const std::vector<std::string>& argv, const std::string& log, bool verbose) {
  if (verbose) {
    llvm::errs() << "flowc: running:";
    for (const auto& a : argv) llvm::errs() << " " << a;
    llvm::errs() << "\n";
  }
  std::vector<llvm::StringRef> args(argv.begin(), argv.end());
  llvm::Optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), llvm::StringRef(log),
                                                 llvm::StringRef(log)};
  std::string error;
  int status = llvm::sys::ExecuteAndWait(argv[0], args, llvm::None, redirects, 0, 0, &error);
  if (status < 0) llvm::errs() << "flowc: error: could not run `" << argv[0] << "`: " << error << "\n";
  return status;
}

std::string cacheRoot() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/flowc";
  llvm::SmallString<128> home;
  if (path::home_directory(home)) return std::string(home) + "/.cache/flowc";
  return "/tmp/flowc-cache";
}

namespace {

bool isClang(const std::string& cxx) { return path::filename(cxx).contains("clang"); }

/// A precompiled <flow/flow.h> for clang++, built once per compiler, flags
/// and runtime headers (keyed by their sizes and times) and reused by every
/// later build: it saves the ~1 s of parsing the runtime headers. Returns
/// the PCH path, or empty (then the build simply goes without).
std::string precompiledHeader(const CompileJob& job, const std::vector<std::string>& langFlags) {
  if (job.pchCacheDir.empty() || !isClang(job.cxx)) return {};
  llvm::SHA1 h;
  h.update(job.cxx);
  for (const auto& f : langFlags) h.update(f + "\n");
  std::error_code ec;
  for (fs::recursive_directory_iterator it(join(job.runtime.includeDir, "flow"), ec), end; it != end && !ec;
       it.increment(ec)) {
    fs::file_status st;
    if (fs::status(it->path(), st) || st.type() != fs::file_type::regular_file) continue;
    h.update(it->path() + ":" + std::to_string(st.getSize()) + ":" +
             std::to_string(st.getLastModificationTime().time_since_epoch().count()) + "\n");
  }
  std::string dir = join(job.pchCacheDir, llvm::toHex(h.final(), true).substr(0, 24));
  std::string pch = join(dir, "flow.h.pch");
  if (fs::exists(pch)) return pch;
  if (fs::create_directories(dir)) return {};
  // Built beside its final name and renamed: concurrent builds never see half a file.
  std::string partial = pch + ".tmp" + std::to_string(::getpid());
  std::vector<std::string> cmd = {job.cxx};
  cmd.insert(cmd.end(), langFlags.begin(), langFlags.end());
  // Templates the runtime headers use by themselves (std containers of
  // runtime types, the program's helpers) are instantiated once, in the PCH,
  // rather than in every generated program.
  cmd.insert(cmd.end(), {"-fpch-instantiate-templates", "-x", "c++-header",
                         join(job.runtime.includeDir, "flow/flow.h"), "-o", partial});
  if (runTool(cmd, partial + ".log", job.verbose) != 0 || fs::rename(partial, pch)) {
    fs::remove(partial);
    return {};
  }
  fs::remove(partial + ".log");
  return pch;
}

}  // namespace

bool compileProgram(const CompileJob& job) {
  // Flags that must match between the PCH and the translation unit.
  std::vector<std::string> langFlags = {"-std=c++20", "-O2", "-pthread", "-I", job.runtime.includeDir};
  std::vector<std::string> common = {job.cxx};
  common.insert(common.end(), langFlags.begin(), langFlags.end());
  if (job.warningsAsErrors) common.insert(common.end(), {"-Wall", "-Wextra", "-Werror"});
  if (job.debugInfo) common.push_back("-g");
  for (const auto& dir : job.includeDirs) common.insert(common.end(), {"-I", dir});

  // The user's extern files first: their errors are the user's.
  std::vector<std::string> objects;
  for (size_t i = 0; i < job.externSources.size(); ++i) {
    const std::string& src = job.externSources[i];
    std::string obj = join(job.workDir, "extern" + std::to_string(i) + ".o");
    std::string log = join(job.workDir, "extern" + std::to_string(i) + ".log");
    std::vector<std::string> cmd = common;
    cmd.insert(cmd.end(), {"-c", src, "-o", obj});
    int status = runTool(cmd, log, job.verbose);
    if (status != 0) {
      if (status > 0) {
        llvm::errs() << "flowc: error: `" << src << "` failed to compile:\n";
        printExcerpt(log, 12);
      }
      return false;
    }
    objects.push_back(obj);
  }

  std::string log = join(job.workDir, "compile.log");
  std::vector<std::string> cmd = common;
  if (std::string pch = precompiledHeader(job, langFlags); !pch.empty())
    cmd.insert(cmd.end(), {"-include-pch", pch});
  // The link is small, so the linker's own start-up dominates it: gold
  // starts in ~20 ms, lld (dynamically linked to libLLVM) in ~110 ms, and
  // both link the runtime faster than ld.bfd.
  if (llvm::sys::findProgramByName("ld.gold"))
    cmd.push_back("-fuse-ld=gold");
  else if (isClang(job.cxx) && llvm::sys::findProgramByName("ld.lld"))
    cmd.push_back("-fuse-ld=lld");
  cmd.push_back(job.generatedCpp);
  cmd.insert(cmd.end(), objects.begin(), objects.end());
  // libcurl backs http_get/http_post; --as-needed keeps it (and its TLS
  // libraries' start-up cost) out of programs that never call them, and
  // does the same for the runtime's other libraries.
  cmd.insert(cmd.end(),
             {job.debugInfo ? job.runtime.library : job.runtime.linkLibrary, "-Wl,--as-needed", "-lcurl"});
  for (const auto& lib : job.libraries) cmd.push_back("-l" + lib);
  cmd.insert(cmd.end(), {"-o", job.output});
  int status = runTool(cmd, log, job.verbose);
  if (status == 0) return true;
  if (status < 0) return false;
  std::string where = firstErrorFile(log);
  if (sameFile(where, job.generatedCpp) || sameFile(where, job.flowFile)) {
    llvm::errs() << "flowc: internal error: the generated C++ failed to compile; this is a flowc bug\n"
                 << "flowc: note: the generated source is kept at " << job.generatedCpp << "\n";
  } else {
    llvm::errs() << "flowc: error: the C++ compiler failed with exit status " << status
                 << " (compiling the generated code with the extern headers, or linking):\n";
  }
  printExcerpt(log, 12);
  return false;
}

bool writeFile(const std::string& file, const std::string& text) {
  std::error_code ec;
  llvm::raw_fd_ostream os(file, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    llvm::errs() << "flowc: error: cannot write `" << file << "`: " << ec.message() << "\n";
    return false;
  }
  os << text;
  return true;
}

}  // namespace flow::driver
