// driver/test_command.cpp — `flowc test FILE.flow [EXTERN.cpp …]`
// (docs/test.md): checks FILE.flow with its test file FILE_test.flow (or a
// test file with the file it tests), generates one test program per
// pipeline that has tests (emit::emitTestProgram), builds it like `flowc
// build` and runs it. The program prints the results; with several
// pipelines, their counts are summed into one `N passed, M failed`. Exit
// status 0 when every test passed, 1 when one failed or nothing could be
// built, 2 for a bad command line.
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/Program.h>
#include <llvm/Support/raw_ostream.h>

#include <fstream>
#include <set>

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

}  // namespace

int runTest(const TestOptions& o) {
  llvm::SourceMgr sources;
  DiagnosticEngine diags(sources);
  FrontendResult fe = runFrontend(o.input, sources, diags, /*parseOnly=*/false, /*withTestFile=*/true);
  diags.print(llvm::errs(), false);
  if (!fe.ok) return 1;
  for (const auto& src : o.externSources)
    if (!fs::exists(src)) {
      llvm::errs() << "flowc: error: cannot read `" << src << "`: No such file or directory\n";
      return 1;
    }
  // The pipelines that have tests, in declaration order.
  std::vector<const ast::PipelineDecl*> pipelines;
  for (const auto& p : fe.module->pipelines)
    for (const auto& t : fe.module->tests)
      if (t->pipeline == p.get() && std::find(pipelines.begin(), pipelines.end(), p.get()) == pipelines.end())
        pipelines.push_back(p.get());
  if (pipelines.empty()) {
    const std::string subject = ast::subjectOfTestFile(o.input);
    llvm::errs() << "flowc: no tests in `" << o.input << "`"
                 << (subject.empty() ? " nor in `" + ast::testFileFor(o.input) + "`" : std::string()) << "\n";
    llvm::outs() << "0 passed, 0 failed\n";
    return 0;
  }

  std::string cxx = findCxxCompiler(o.cxx);
  if (cxx.empty()) {
    llvm::errs() << "flowc: error: no C++ compiler found; install clang++ or set CXX\n";
    return 1;
  }
  std::optional<Runtime> runtime = locateRuntime(o.argv0.c_str());
  if (!runtime) {
    llvm::errs() << "flowc: error: cannot find the flow runtime next to flowc or in its build tree\n";
    return 1;
  }
  llvm::SmallString<128> work;
  if (std::error_code ec = fs::createUniqueDirectory("flowc-test", work)) {
    llvm::errs() << "flowc: error: cannot create a temporary directory: " << ec.message() << "\n";
    return 1;
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      if (!dir.empty()) fs::remove_directories(dir);
    }
  } cleanup{std::string(work)};

  // The directory of the file under test: extern headers are looked up there.
  const std::string subject = ast::subjectOfTestFile(o.input);
  llvm::StringRef flowDir = path::parent_path(subject.empty() ? o.input : subject);
  int passed = 0, failed = 0, status = 0;
  for (std::size_t i = 0; i < pipelines.size(); ++i) {
    ir::Graph graph = ir::buildGraph(*pipelines[i]);
    emit::EmitOptions eo;
    eo.flowFile = o.input;
    eo.sources = &sources;
    eo.lineDirectives = false;
    const std::string base = std::string(work) + "/" + graph.name();
    if (!writeFile(base + "_test.cpp", emit::emitTestProgram(*fe.module, graph, eo))) return 1;
    if (!writeFile(std::string(work) + "/" + emit::sharedHeaderName(graph),
                   emit::emitSharedHeader(*fe.module, graph, eo)))
      return 1;
    CompileJob job;
    job.cxx = cxx;
    job.runtime = *runtime;
    job.generatedCpp = base + "_test.cpp";
    job.flowFile = o.input;
    job.externSources = o.externSources;
    job.includeDirs.push_back(flowDir.empty() ? std::string(".") : std::string(flowDir));
    job.includeDirs.insert(job.includeDirs.end(), o.includeDirs.begin(), o.includeDirs.end());
    job.includeDirs.push_back(std::string(work));
    // from_json (in a stage, or in a test's items and expectations) decodes
    // with simdjson; linked under --as-needed, it costs nothing when unused.
    job.libraries.push_back("simdjson");
    job.output = base + "_test";
    job.workDir = std::string(work);
    job.warningsAsErrors = o.warningsAsErrors;
    job.verbose = o.verbose;
    job.pchCacheDir = cacheRoot() + "/pch";
    if (!compileProgram(job)) {
      cleanup.dir.clear();  // compileProgram named the files to look at
      return 1;
    }

    std::vector<std::string> args = {job.output};
    if (o.listAll) args.push_back("-v");
    if (!o.run.empty()) args.push_back("--run=" + o.run);
    if (o.timeoutSeconds > 0) args.push_back("--timeout=" + std::to_string(o.timeoutSeconds));
    const std::string counts = base + ".counts";
    if (pipelines.size() > 1) args.push_back("--counts=" + counts);
    std::vector<llvm::StringRef> argv(args.begin(), args.end());
    llvm::outs().flush();
    llvm::errs().flush();
    std::string error;
    int rc = llvm::sys::ExecuteAndWait(job.output, argv, llvm::None, {}, 0, 0, &error);
    if (rc < 0) {
      llvm::errs() << "flowc: error: cannot run the tests of `" << graph.name() << "`: " << error << "\n";
      return 1;
    }
    if (rc != 0) status = 1;
    if (pipelines.size() > 1) {
      std::ifstream in(counts);
      int p = 0, f = 0;
      if (in >> p >> f) {
        passed += p;
        failed += f;
      } else {
        status = 1;
      }
    }
  }
  if (pipelines.size() > 1) llvm::outs() << passed << " passed, " << failed << " failed\n";
  return status;
}

}  // namespace flow::driver
