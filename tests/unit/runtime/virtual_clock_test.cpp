// virtual_clock_test.cpp — the runtime under `flowc test` (flow/time.h,
// flow/detail/timer.h, flow/testing.h): on the virtual clock, simulated time
// moves only when every worker waits, to exactly the next timer; the
// deadline at an instant comes before the timers due then; a finished run
// is not moved on to its deadline; a channel's tap sees what receivers take,
// in channel order, in locked mode, ring mode and batched receives; and the
// test runner's Run captures output and records taps. Runs under TSan/ASan
// with the other runtime tests.
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include <flow/flow.h>
#include <flow/testing.h>
#include <catch2/catch.hpp>

#include "stage_support.h"

using namespace std::chrono_literals;
using flow::Context;
using flow::Task;
using flowtest::stageNamed;

namespace {

/// Turns the virtual clock on for one scope (as a test's Run does).
struct VirtualClock {
  VirtualClock() { flow::detail::enableVirtualClock(flow::Deadline(24h)); }
  ~VirtualClock() { flow::detail::disableVirtualClock(); }
};

}  // namespace

TEST_CASE("on the virtual clock an hour of sleeping takes simulated time only", "[virtual]") {
  VirtualClock clock;
  flow::Pipeline pl;
  pl.setThreads(1);
  auto& out = pl.channel<std::int64_t>("out", 4);
  pl.source("sleeper", {}, {&out}, [&out](Context& ctx) -> Task {
    co_await ctx.sleep(1h);
    co_await ctx.send(out, ctx.now().count());
  });
  std::vector<std::int64_t> seen;
  pl.sink<std::int64_t>("s", {}, {&out}, [&](Context&, std::int64_t t) -> Task {
    seen.push_back(t);
    co_return;
  });
  const auto started = flow::RealClock::now();
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(r.elapsed == 1h);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == std::chrono::nanoseconds(1h).count());
  // Simulated, not waited for: far less than the hour (the ctest timeout is a minute).
  CHECK(flow::RealClock::now() - started < 30s);
}

TEST_CASE("simulated time jumps to each wake-up in turn, exactly", "[virtual]") {
  VirtualClock clock;
  const int threads = GENERATE(1, 2);
  flow::Pipeline pl;
  pl.setThreads(threads);
  auto& out = pl.channel<std::int64_t>("out", 16);
  pl.source("sleepers", {.workers = 3}, {&out}, [&out](Context& ctx) -> Task {
    for (int k = 1; k <= 2; ++k) {
      co_await ctx.sleep((ctx.worker() + 1) * 10ms);
      co_await ctx.send(out, ctx.now().count());
    }
  });
  std::mutex mu;
  std::vector<std::int64_t> seen;
  pl.sink<std::int64_t>("s", {}, {&out}, [&](Context&, std::int64_t t) -> Task {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(t);
    co_return;
  });
  const flow::Report r = pl.run();
  std::sort(seen.begin(), seen.end());
  const auto ms = [](std::int64_t n) {
    return std::chrono::nanoseconds(std::chrono::milliseconds(n)).count();
  };
  CHECK(seen == std::vector<std::int64_t>{ms(10), ms(20), ms(20), ms(30), ms(40), ms(60)});
  CHECK(r.elapsed == 60ms);
}

TEST_CASE("at the deadline's instant the deadline comes before the timers due then", "[virtual]") {
  VirtualClock clock;
  flow::Pipeline pl;
  pl.setThreads(1);
  pl.setDeadline(100ms);
  auto& out = pl.channel<std::int64_t>("out", 4);
  pl.source("ticks", {}, {&out}, [&out](Context& ctx) -> Task {
    for (std::int64_t i = 0;; ++i) {
      co_await ctx.sleep(50ms);
      co_await ctx.send(out, i);
    }
  });
  std::atomic<int> got{0};
  pl.sink<std::int64_t>("s", {}, {&out}, [&](Context&, std::int64_t) -> Task {
    ++got;
    co_return;
  });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 124);
  CHECK(r.elapsed == 100ms);
  CHECK(got.load() == 1);  // the tick at 50ms; the one at 100ms meets the deadline first
  CHECK(r.isBalanced());
}

TEST_CASE("a run that ends is not moved on to its deadline", "[virtual]") {
  VirtualClock clock;
  for (int i = 0; i < 20; ++i) {
    flow::Pipeline pl;
    pl.setThreads(1);
    pl.setDeadline(1h);
    auto& out = pl.channel<std::int64_t>("out", 1);
    pl.source("one", {}, {&out}, [&out](Context& ctx) -> Task {
      co_await ctx.sleep(5ms);
      co_await ctx.send(out, 1);
    });
    pl.sink<std::int64_t>("s", {}, {&out}, [](Context&, std::int64_t) -> Task { co_return; });
    const flow::Report r = pl.run();
    REQUIRE(r.exitCode == 0);
    REQUIRE(r.elapsed == 5ms);
  }
}

TEST_CASE("a channel's tap sees what receivers take, in channel order", "[virtual]") {
  // 4: locked mode; 64: ring mode; plain bodies take items in batches.
  const std::int64_t cap = GENERATE(0, 4, 64);
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", cap);
  flow::testing::Recorder<std::int64_t> rec;
  rec.attach(in);
  constexpr std::int64_t kN = 500;
  pl.source("count", {}, {&in}, [&in](Context& ctx) -> Task {
    for (std::int64_t i = 0; i < kN; ++i) co_await ctx.send(in, i);
  });
  std::atomic<std::int64_t> sum{0};
  pl.sink<std::int64_t>("s", {.workers = 3}, {&in}, [&](Context&, std::int64_t x) { sum += x; });
  const flow::Report r = pl.run();
  REQUIRE(r.exitCode == 0);
  REQUIRE(rec.values().size() == static_cast<std::size_t>(kN));
  for (std::int64_t i = 0; i < kN; ++i) REQUIRE(rec.values()[static_cast<std::size_t>(i)] == i);
  CHECK(sum.load() == kN * (kN - 1) / 2);
  CHECK(stageNamed(r, "s").in == static_cast<std::uint64_t>(kN));
}

TEST_CASE("a test's run captures print and records its taps on the virtual clock", "[virtual]") {
  char arg0[] = "tests";
  char* argv[] = {arg0, nullptr};
  flow::testing::Suite suite(1, argv);
  bool ran = false;
  suite.test("capture", "virtual_clock_test.cpp:1", [&](flow::testing::Run& t) {
    flow::Pipeline pl;
    auto& out = pl.channel<std::string>("out", 2);
    const auto& seen = t.tap(out);
    pl.source("words", {}, {&out}, [&out](Context& ctx) -> Task {
      co_await ctx.sleep(2s);
      co_await ctx.send(out, std::string("a"));
      co_await ctx.send(out, std::string("b"));
    });
    pl.sink<std::string>("show", {}, {&out}, [](Context&, std::string s) {
      flow::print(s);
      flow::eprint("log " + s);
    });
    const flow::Report& r = t.run(pl);
    ran = true;
    CHECK(r.elapsed == 2s);
    CHECK(seen == std::vector<std::string>{"a", "b"});
    CHECK(t.printed() == std::vector<std::string>{"a", "b"});
    CHECK(t.stageCounter("show", "items_in") == 2);
    CHECK(t.channelCounter("out", "received") == 2);
    CHECK(t.stageCounter("absent", "failed") == 0);
    t.expectCompare(10, "seen == [a, b]", seen, std::vector<std::string>{"a", "b"},
                    "==", seen == std::vector<std::string>{"a", "b"});
    t.expectSameItems(11, "seen == [b, a] in any order", seen, std::vector<std::string>{"b", "a"});
    CHECK_FALSE(t.failed());
    t.expectSameItems(12, "seen == [a] in any order", seen, std::vector<std::string>{"a"});
    CHECK(t.failed());
  });
  CHECK(ran);
  CHECK_FALSE(flow::detail::virtualClockOn());
}
