// program_test.cpp — the generated executable's command line (docs/language.md,
// "The generated program"): params of every type, run flags, clear errors with
// exit status 2, --help, the --stats-json keys, and SIGINT through the real
// signal handler.
#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <flow/flow.h>
#include <catch2/catch.hpp>

#include "test_support.h"

using namespace std::chrono_literals;
using flow::Context;
using flow::Task;

namespace {

struct Params {
  std::int64_t n = 5;
  double rate = 0.5;
  bool verbose = false;
  std::string label = "x";
  std::chrono::nanoseconds pause{10ms};
};

flow::Program makeProgram(Params& p) {
  flow::Program prog("prog");
  prog.param("n", p.n, "int");
  prog.param("rate", p.rate, "float");
  prog.param("verbose", p.verbose, "bool");
  prog.param("label", p.label, "string");
  prog.param("pause", p.pause, "duration");
  return prog;
}

int runMain(flow::Program& prog, std::vector<std::string> args,
            const std::function<void(flow::Pipeline&)>& build) {
  std::vector<char*> argv{const_cast<char*>("prog")};
  for (auto& a : args) argv.push_back(a.data());
  return prog.main(static_cast<int>(argv.size()), argv.data(), build);
}

void buildSmall(flow::Pipeline& pl, std::int64_t n) {
  auto& ch = pl.channel<std::int64_t>("numbers", 4);
  pl.source("gen", {}, {&ch}, [&ch, n](Context& ctx) -> Task {
    for (std::int64_t i = 0; i < n; ++i) co_await ctx.send(ch, i);
  });
  pl.sink<std::int64_t>("show", {}, {&ch}, [](Context&, std::int64_t x) -> Task {
    flow::print(flow::concat("n=", x));
    co_return;
  });
}

}  // namespace

TEST_CASE("params of every type parse from --NAME=VALUE", "[program]") {
  Params p;
  flow::Program prog = makeProgram(p);
  flow::RunOptions o;
  std::string error;
  REQUIRE(prog.parse({"--n=12", "--rate=1.25", "--verbose", "--label=hello world", "--pause=1.5s"}, o,
                     error) == flow::ParseStatus::Ok);
  CHECK(p.n == 12);
  CHECK(p.rate == 1.25);
  CHECK(p.verbose);
  CHECK(p.label == "hello world");
  CHECK(p.pause == 1500ms);
  REQUIRE(prog.parse({"--verbose=false", "--n=-3"}, o, error) == flow::ParseStatus::Ok);
  CHECK_FALSE(p.verbose);
  CHECK(p.n == -3);
}

TEST_CASE("run flags parse", "[program]") {
  Params p;
  flow::Program prog = makeProgram(p);
  flow::RunOptions o;
  std::string error;
  REQUIRE(
      prog.parse({"--deadline=250ms", "--workers=work=8", "--monitor=1s", "--stats", "--stats-json=out.json"},
                 o, error) == flow::ParseStatus::Ok);
  CHECK(o.hasDeadline);
  CHECK(o.deadline == 250ms);
  CHECK(o.workers.at("work") == 8);
  CHECK(o.monitor == 1s);
  CHECK(o.stats);
  CHECK(o.statsJsonPath == "out.json");
}

TEST_CASE("bad flags and values give one clear message", "[program]") {
  Params p;
  flow::Program prog = makeProgram(p);
  flow::RunOptions o;
  std::string error;
  auto parseError = [&](std::vector<std::string> args) {
    error.clear();
    CHECK(prog.parse(args, o, error) == flow::ParseStatus::Error);
    return error;
  };
  CHECK(parseError({"--nope=1"}) == "unknown flag --nope; run with --help to list the flags");
  CHECK(parseError({"--n=abc"}) == "invalid value `abc` for --n; expected a value of type int");
  CHECK(parseError({"--n"}) == "invalid value `` for --n; expected a value of type int");
  CHECK(parseError({"--rate=fast"}) == "invalid value `fast` for --rate; expected a value of type float");
  CHECK(parseError({"--verbose=maybe"}) ==
        "invalid value `maybe` for --verbose; expected a value of type bool");
  CHECK(parseError({"--pause=10"}) == "invalid value `10` for --pause; expected a value of type duration");
  CHECK(parseError({"--deadline=soon"}) ==
        "invalid value `soon` for --deadline; expected a duration such as 500ms or 2s");
  CHECK(parseError({"--workers=work"}) ==
        "invalid value `work` for --workers; expected STAGE=N with 1 <= N <= 100000");
  CHECK(parseError({"--workers=work=0"}) ==
        "invalid value `work=0` for --workers; expected STAGE=N with 1 <= N <= 100000");
  CHECK(parseError({"--workers=work=100001"}) ==
        "invalid value `work=100001` for --workers; expected STAGE=N with 1 <= N <= 100000");
  CHECK(parseError({"--stat"}) == "unknown flag --stat; did you mean --stats?");
  CHECK(parseError({"--sed=3"}) == "unknown flag --sed; did you mean --seed?");
  CHECK(parseError({"--progres"}) == "unknown flag --progres; did you mean --progress?");
  CHECK(parseError({"--trace-sampel=2"}) == "unknown flag --trace-sampel; did you mean --trace-sample?");
  CHECK(parseError({"--help=maybe"}) == "invalid value `maybe` for --help; expected true or false");
  CHECK(parseError({"--monitor=1ms"}) ==
        "invalid value `1ms` for --monitor; expected 0 (off) or at least 10ms (a line per tick)");
  CHECK(parseError({"stray"}) == "unexpected argument `stray`; flags look like --name=value");
}

TEST_CASE("a required param must be given, except with --help", "[program]") {
  Params p;
  flow::Program prog = makeProgram(p);
  std::int64_t count = 0;
  std::string name;
  prog.param("count", count, "int");
  prog.require("count");
  prog.param("name", name, "string");
  prog.require("name");
  flow::RunOptions o;
  std::string error;
  // Every missing one is named, in declaration order, in one message.
  CHECK(prog.parse({"--n=3"}, o, error) == flow::ParseStatus::Error);
  CHECK(error == "missing required flags --count=int, --name=string; run with --help to list the flags");
  CHECK(prog.parse({"--name="}, o, error) == flow::ParseStatus::Error);
  CHECK(error == "missing required flag --count=int; run with --help to list the flags");
  // A malformed value is reported as such, not as missing.
  CHECK(prog.parse({"--count=x"}, o, error) == flow::ParseStatus::Error);
  CHECK(error == "invalid value `x` for --count; expected a value of type int");
  error.clear();
  CHECK(prog.parse({"--name=", "--count=7"}, o, error) == flow::ParseStatus::Ok);
  CHECK(error.empty());
  CHECK(count == 7);
  CHECK(name.empty());
  flow::RunOptions help;
  CHECK(prog.parse({"--help"}, help, error) == flow::ParseStatus::Ok);
  CHECK(help.help);
  const std::string usage = prog.usage();
  CHECK(usage.find("  --count=int  (required)\n") != std::string::npos);
  CHECK(usage.find("  --name=string  (required)\n") != std::string::npos);
  CHECK(usage.find("  --n=int  (default 5)\n") != std::string::npos);
}

TEST_CASE("durations parse like Go's time.ParseDuration", "[program]") {
  std::chrono::nanoseconds d{};
  CHECK((flow::parseDuration("50ms", d) && d == 50ms));
  CHECK((flow::parseDuration("1.5s", d) && d == 1500ms));
  CHECK((flow::parseDuration("2m", d) && d == 2min));
  CHECK((flow::parseDuration("1h30m", d) && d == 90min));
  CHECK((flow::parseDuration("100ns", d) && d == 100ns));
  CHECK((flow::parseDuration("10us", d) && d == 10us));
  CHECK((flow::parseDuration("0", d) && d == 0ns));
  CHECK_FALSE(flow::parseDuration("", d));
  CHECK_FALSE(flow::parseDuration("5", d));
  CHECK_FALSE(flow::parseDuration("ms", d));
  CHECK_FALSE(flow::parseDuration("5 s", d));
}

TEST_CASE("main returns 2 for a bad command line and 0 for --help", "[program]") {
  Params p;
  flow::Program prog = makeProgram(p);
  flowtest::CapturedOutput capture;
  bool built = false;
  CHECK(runMain(prog, {"--n=abc"}, [&](flow::Pipeline&) { built = true; }) == 2);
  CHECK_FALSE(built);
  CHECK(capture.err() ==
        std::vector<std::string>{"prog: error: invalid value `abc` for --n; expected a value of type int"});
  CHECK(runMain(prog, {"--workers=nosuch=2"}, [&](flow::Pipeline& pl) { buildSmall(pl, 1); }) == 2);
  CHECK(capture.err().back() == "prog: error: --workers: no stage named `nosuch`");
  CHECK(runMain(prog, {"--n=0"}, [&](flow::Pipeline& pl) {
          auto& ch = pl.channel<std::int64_t>("c", 1);
          pl.source("gen", {.workers = p.n}, {&ch}, [](Context&) -> Task { co_return; });
          pl.sink<std::int64_t>("s", {}, {&ch}, [](Context&, std::int64_t) -> Task { co_return; });
        }) == 2);
  CHECK(capture.err().back() == "prog: error: stage `gen`: workers must be at least 1, got 0");
  CHECK(prog.usage().find("--n=int  (default 5)") != std::string::npos);
}

TEST_CASE("main runs the pipeline and writes --stats-json with every documented key", "[program]") {
  Params p;
  flow::Program prog = makeProgram(p);
  flowtest::CapturedOutput capture;
  const std::string path = "flow_program_test_stats.json";
  CHECK(runMain(prog, {"--n=3", "--stats-json=" + path}, [&](flow::Pipeline& pl) { buildSmall(pl, p.n); }) ==
        0);
  CHECK(capture.out() == std::vector<std::string>{"n=0", "n=1", "n=2"});
  std::ifstream in(path);
  std::stringstream json;
  json << in.rdbuf();
  std::remove(path.c_str());
  const std::string s = json.str();
  for (const char* key :
       {"\"stages\": [", "\"name\": \"gen\"", "\"workers\": 1", "\"in\": 3", "\"out\": 0", "\"failed\": 0",
        "\"retried\": 0", "\"timed_out\": 0", "\"p50_ms\": ", "\"p99_ms\": ", "\"channels\": [",
        "\"name\": \"numbers\"", "\"capacity\": 4", "\"sent\": 3", "\"received\": 3", "\"dropped\": 0",
        "\"max_len\": ", "\"elapsed_ms\": ", "\"exit_code\": 0"}) {
    INFO(key);
    CHECK(s.find(key) != std::string::npos);
  }
}

TEST_CASE("the --deadline flag overrides the pipeline's deadline and exits 124", "[program]") {
  Params p;
  flow::Program prog = makeProgram(p);
  flowtest::CapturedOutput capture;
  const int rc = runMain(prog, {"--deadline=30ms"}, [&](flow::Pipeline& pl) {
    pl.setDeadline(10s);  // the command line wins
    auto& ch = pl.channel<std::int64_t>("c", 1);
    pl.source("gen", {}, {&ch}, [&ch](Context& ctx) -> Task {
      for (std::int64_t i = 0;; ++i) co_await ctx.send(ch, i);
    });
    pl.sink<std::int64_t>("slow", {}, {&ch},
                          [](Context& ctx, std::int64_t) -> Task { co_await ctx.sleep(5ms); });
  });
  CHECK(rc == 124);
  CHECK(capture.err().front() == "prog: error: deadline passed before the work was done");
}

TEST_CASE("the --monitor flag prints one line per tick with every channel", "[program]") {
  Params p;
  flow::Program prog = makeProgram(p);
  flowtest::CapturedOutput capture;
  const int rc = runMain(prog, {"--monitor=20ms"}, [&](flow::Pipeline& pl) {
    auto& a = pl.channel<std::int64_t>("a", 3);
    auto& b = pl.channel<std::int64_t>("b", 0);
    pl.source("gen", {}, {&a}, [&a](Context& ctx) -> Task {
      for (std::int64_t i = 0; i < 3; ++i) co_await ctx.send(a, i);
    });
    pl.stage<std::int64_t>("mid", {}, {&a}, {&b}, [&b](Context& ctx, std::int64_t x) -> Task {
      co_await ctx.sleep(40ms);
      co_await ctx.send(b, x);
    });
    pl.sink<std::int64_t>("end", {}, {&b}, [](Context&, std::int64_t) -> Task { co_return; });
  });
  CHECK(rc == 0);
  const auto err = capture.err();
  REQUIRE(err.size() >= 2);
  for (const auto& line : err) {
    // `monitor: S.SSSs a N/3 b 0/0`: the elapsed time comes first.
    REQUIRE(line.starts_with("monitor: "));
    const auto s = line.find("s a ");
    REQUIRE(s != std::string::npos);
    CHECK(std::stod(line.substr(9, s - 9)) > 0.0);
    CHECK(line.find("/3 b 0/0") != std::string::npos);
  }
}

TEST_CASE("SIGINT interrupts the run: finally runs and main returns 130", "[program]") {
  Params p;
  flow::Program prog = makeProgram(p);
  flowtest::CapturedOutput capture;
  std::atomic<int> finallies{0};
  std::atomic<std::int64_t> sunk{0};
  std::thread raiser([&] {
    while (sunk.load() < 5) std::this_thread::yield();
    std::raise(SIGINT);
  });
  const int rc = runMain(prog, {}, [&](flow::Pipeline& pl) {
    auto& ch = pl.channel<std::int64_t>("c", 1);
    pl.source("gen", {}, {&ch}, [&ch](Context& ctx) -> Task {
      for (std::int64_t i = 0;; ++i) co_await ctx.send(ch, i);
    });
    pl.sink<std::int64_t, int>(
        "count", {}, {&ch}, [](Context&) { return 0; },
        [&](Context&, int&, std::int64_t) -> Task {
          sunk.fetch_add(1);
          co_return;
        },
        [&](Context&, int&) -> Task {
          finallies.fetch_add(1);
          co_return;
        });
  });
  raiser.join();
  CHECK(rc == 130);
  CHECK(finallies.load() == 1);
}
