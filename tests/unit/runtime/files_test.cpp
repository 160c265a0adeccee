// files_test.cpp — write_line (one buffered file per path per run, whole
// lines that never interleave, flushed at the end also after a cancel,
// appends, failures with the OS's reason), read_lines failures (a
// directory, a missing file) and env.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "stage_support.h"
#include "test_support.h"

namespace {

using flowtest::CapturedOutput;
using flowtest::stageNamed;
using flowtest::Watchdog;
using namespace std::chrono_literals;

/// A fresh directory for one test, removed afterwards.
struct TempDir {
  TempDir() {
    char name[] = "/tmp/flow-files-test-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string path;
};

std::vector<std::string> readLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// One source worker per path in `paths`, each writing `lines` numbered
/// lines of `width` bytes to its path; fails (Unhandled) as write_line does.
flow::Report writeLines(const std::vector<std::string>& paths, int workers, int lines, std::size_t width,
                        std::chrono::nanoseconds deadline = {}) {
  flow::Pipeline pl;
  if (deadline.count() > 0) pl.setDeadline(deadline);
  auto& unused = pl.channel<int>("unused", 1);
  pl.source("write", {.workers = workers}, {&unused},
            [&paths, lines, width](flow::Context& ctx) -> flow::Task {
              for (int i = 0; i < lines; ++i) {
                std::string line = "w" + std::to_string(ctx.worker()) + " " + std::to_string(i) + " ";
                line.resize(width, static_cast<char>('a' + ctx.worker() % 26));
                flow::write_line(ctx, paths[static_cast<std::size_t>(ctx.worker()) % paths.size()], line);
                if (i % 500 == 499) co_await ctx.sleep(1ms);  // let the others interleave with us
              }
            });
  pl.sink<int>("drain", {}, {&unused}, [](flow::Context&, int) {});
  return pl.run();
}

/// Every line is one worker's whole line: `wW I aaaa…` of `width` bytes.
bool wellFormed(const std::string& line, std::size_t width) {
  if (line.size() != width || line[0] != 'w') return false;
  const std::size_t sp = line.find(' ');
  const int worker = std::atoi(line.c_str() + 1);
  const char fill = static_cast<char>('a' + worker % 26);
  const std::size_t sp2 = line.find(' ', sp + 1);
  return sp2 != std::string::npos && line.find_first_not_of(fill, sp2 + 1) == std::string::npos;
}

}  // namespace

TEST_CASE("write_line: lines of concurrent workers never interleave and all reach the file") {
  Watchdog dog("write_line interleave", 60s);
  TempDir dir;
  const std::string out = dir.file("out.txt");
  // 300-byte lines: the 64 KiB buffer fills every ~218 lines, mid-stream.
  const flow::Report r = writeLines({out}, 8, 2000, 300);
  CHECK(r.exitCode == 0);
  const auto lines = readLines(out);
  CHECK(lines.size() == 16000);
  std::size_t bad = 0;
  for (const auto& l : lines) bad += wellFormed(l, 300) ? 0 : 1;
  CHECK(bad == 0);
  // Each worker's lines in its own order.
  std::vector<int> next(8, 0);
  bool ordered = true;
  for (const auto& l : lines) {
    const int w = std::atoi(l.c_str() + 1);
    const int i = std::atoi(l.c_str() + l.find(' ') + 1);
    ordered = ordered && i == next[static_cast<std::size_t>(w)]++;
  }
  CHECK(ordered);
}

TEST_CASE("write_line: one file per path, appended to, never truncated") {
  Watchdog dog("write_line append", 30s);
  TempDir dir;
  const std::string a = dir.file("a.txt");
  const std::string b = dir.file("b.txt");
  {
    std::ofstream pre(a);
    pre << "before\n";
  }
  const flow::Report r = writeLines({a, b}, 2, 3, 10);
  CHECK(r.exitCode == 0);
  CHECK(readLines(a) == std::vector<std::string>{"before", "w0 0 aaaaa", "w0 1 aaaaa", "w0 2 aaaaa"});
  CHECK(readLines(b) == std::vector<std::string>{"w1 0 bbbbb", "w1 1 bbbbb", "w1 2 bbbbb"});
}

TEST_CASE("write_line: a cancelled run still flushes, and the file holds whole lines only") {
  Watchdog dog("write_line cancel", 60s);
  TempDir dir;
  const std::string out = dir.file("out.txt");
  // Far more than 200 ms of writing: the deadline stops it mid-way.
  const flow::Report r = writeLines({out}, 4, 50'000'000, 100, 200ms);
  CHECK(r.exitCode == 124);
  const std::string all = readAll(out);
  REQUIRE(!all.empty());
  CHECK(all.back() == '\n');
  const auto lines = readLines(out);
  std::size_t bad = 0;
  for (const auto& l : lines) bad += wellFormed(l, 100) ? 0 : 1;
  CHECK(bad == 0);
}

TEST_CASE("write_line: a file that cannot be opened or written fails the item with the OS's reason") {
  Watchdog dog("write_line failures", 30s);
  CapturedOutput out;
  TempDir dir;
  const std::string missing = dir.file("no/such/dir.txt");
  SECTION("missing directory") {
    const flow::Report r = writeLines({missing}, 1, 1, 10);
    CHECK(r.exitCode == 3);
    CHECK(stageNamed(r, "write").failed == 1);
    CHECK(out.err() == std::vector<std::string>{"error: stage write: item 0: cannot open " + missing +
                                                ": No such file or directory"});
  }
  SECTION("a directory") {
    const flow::Report r = writeLines({dir.path}, 1, 1, 10);
    CHECK(r.exitCode == 3);
    CHECK(out.err() == std::vector<std::string>{"error: stage write: item 0: cannot open " + dir.path +
                                                ": Is a directory"});
  }
  SECTION("a full device") {
    const flow::Report r = writeLines({"/dev/full"}, 1, 1, 10);
    CHECK(r.exitCode == 3);
    CHECK(out.err() == std::vector<std::string>{
                           "error: stage write: item 0: cannot write /dev/full: No space left on device"});
  }
}

TEST_CASE("write_line(\"-\") writes to standard output, like print") {
  CapturedOutput out;
  const flow::Report r = writeLines({"-"}, 1, 2, 8);
  CHECK(r.exitCode == 0);
  CHECK(out.out() == std::vector<std::string>{"w0 0 aaa", "w0 1 aaa"});
}

TEST_CASE("read_lines fails the item with the OS's reason instead of reading nothing") {
  CapturedOutput out;
  TempDir dir;
  auto readFrom = [](const std::string& path) {
    flow::Pipeline pl;
    auto& lines = pl.channel<std::string>("lines", 4);
    pl.source("read", {}, {&lines}, [&lines, path](flow::Context& ctx) -> flow::Task {
      for (const std::string& l : flow::read_lines(path)) co_await ctx.send(lines, l);
    });
    pl.sink<std::string>("drop", {}, {&lines}, [](flow::Context&, std::string) {});
    return pl.run();
  };
  SECTION("a directory") {
    const flow::Report r = readFrom(dir.path);
    CHECK(r.exitCode == 3);
    CHECK(out.err() == std::vector<std::string>{"error: stage read: item 0: cannot read " + dir.path +
                                                ": Is a directory"});
  }
  SECTION("a missing file") {
    const flow::Report r = readFrom(dir.file("nope.log"));
    CHECK(r.exitCode == 3);
    CHECK(out.err() == std::vector<std::string>{"error: stage read: item 0: cannot open " +
                                                dir.file("nope.log") + ": No such file or directory"});
  }
  SECTION("a last line without a newline is still a line") {
    {
      std::ofstream f(dir.file("x.txt"));
      f << "one\n\ntwo";
    }
    std::vector<std::string> got;
    for (const std::string& l : flow::read_lines(dir.file("x.txt"))) got.push_back(l);
    CHECK(got == std::vector<std::string>{"one", "", "two"});
  }
}

TEST_CASE("env returns the variable, or the default when it is not set") {
  ::setenv("FLOW_FILES_TEST_SET", "value", 1);
  ::setenv("FLOW_FILES_TEST_EMPTY", "", 1);
  ::unsetenv("FLOW_FILES_TEST_UNSET");
  CHECK(flow::env("FLOW_FILES_TEST_SET", "d") == "value");
  CHECK(flow::env("FLOW_FILES_TEST_EMPTY", "d").empty());
  CHECK(flow::env("FLOW_FILES_TEST_UNSET", "d") == "d");
}
