// shutdown_test.cpp — every way a run ends (docs/language.md, "Channels and
// shutdown"): normal completion, the deadline (124), an interrupt (130, via the
// flag a signal handler sets or Pipeline::cancel), `on_error stop` (1), and a
// host that embeds the pipeline. On each path: no hang, every finally runs,
// every blocked operation wakes, and the accounting check holds (nothing
// silently lost).
#include <atomic>
#include <thread>
#include <vector>

#include <flow/flow.h>
#include <catch2/catch.hpp>

#include "test_support.h"

using namespace std::chrono_literals;
using flow::Context;
using flow::Task;

namespace {

struct Counters {
  std::atomic<int> finallies{0};
  std::atomic<std::int64_t> sunk{0};
};

struct NoState {};

/// An endless source → a pool that sleeps per item → a sink; every worker of
/// every stage has a finally that counts itself. Blocked sends, receives
/// and sleeps are all in play when the run is cancelled.
void buildEndless(flow::Pipeline& pl, Counters& c, std::int64_t workers, flow::StageOptions workOpts = {}) {
  auto& todo = pl.channel<std::int64_t>("todo", 2);
  auto& done = pl.channel<std::int64_t>("done", 0);
  auto init = [](Context&) { return NoState{}; };
  auto fin = [&c](Context&, NoState&) -> Task {
    c.finallies.fetch_add(1);
    co_return;
  };
  pl.source<NoState>(
      "gen", {.workers = 2}, {&todo}, init,
      [&todo](Context& ctx, NoState&) -> Task {
        for (std::int64_t i = 0;; ++i) co_await ctx.send(todo, i);
      },
      fin);
  workOpts.workers = workers;
  pl.stage<std::int64_t, NoState>(
      "work", workOpts, {&todo}, {&done}, init,
      [&done](Context& ctx, NoState&, std::int64_t x) -> Task {
        co_await ctx.sleep(1ms);
        co_await ctx.send(done, x);
      },
      fin);
  pl.sink<std::int64_t, NoState>(
      "sink", {}, {&done}, init,
      [&c](Context&, NoState&, std::int64_t) -> Task {
        c.sunk.fetch_add(1);
        co_return;
      },
      fin);
}

}  // namespace

TEST_CASE("the deadline cancels the run with 124 and every finally runs", "[shutdown]") {
  const int workers = GENERATE(1, 4, 64);
  Counters c;
  flow::Pipeline pl;
  buildEndless(pl, c, workers);
  pl.setDeadline(50ms);
  flowtest::CapturedOutput capture;
  const auto t0 = flow::Clock::now();
  const flow::Report r = pl.run();
  CHECK(flow::Clock::now() - t0 < 5s);
  CHECK(r.exitCode == 124);
  CHECK(c.finallies.load() == 2 + workers + 1);
  CHECK(r.isBalanced());
  CHECK(r.elapsed >= 50ms);
}

TEST_CASE("an interrupt flag (as set by SIGINT) cancels the run with 130", "[shutdown]") {
  Counters c;
  flow::Pipeline pl;
  buildEndless(pl, c, 4);
  std::atomic<int> flag{0};
  pl.setInterruptFlag(&flag);
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  std::thread interrupter([&] {
    while (c.sunk.load() < 10) std::this_thread::yield();  // the run is well under way
    flag.store(1);
  });
  const flow::Report r = pl.wait();
  interrupter.join();
  CHECK(r.exitCode == 130);
  CHECK(c.finallies.load() == 2 + 4 + 1);
  CHECK(r.isBalanced());
}

TEST_CASE("Pipeline::cancel from a host thread ends the run with 130", "[shutdown]") {
  Counters c;
  flow::Pipeline pl;
  buildEndless(pl, c, 8);
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  std::thread host([&] {
    while (c.sunk.load() < 5) std::this_thread::yield();
    pl.cancel();
  });
  const flow::Report r = pl.wait();
  host.join();
  CHECK(r.exitCode == 130);
  CHECK(c.finallies.load() == 2 + 8 + 1);
  CHECK(r.isBalanced());
}

TEST_CASE("on_error stop cancels everything with exit status 1", "[shutdown]") {
  Counters c;
  flow::Pipeline pl;
  auto& todo = pl.channel<std::int64_t>("todo", 4);
  auto& done = pl.channel<std::int64_t>("done", 4);
  pl.source("gen", {}, {&todo}, [&todo](Context& ctx) -> Task {
    for (std::int64_t i = 0;; ++i) co_await ctx.send(todo, i);
  });
  pl.stage<std::int64_t>("work", {.workers = 4, .onError = flow::OnError::Stop}, {&todo}, {&done},
                         [&done](Context& ctx, std::int64_t x) -> Task {
                           if (x == 100) ctx.fail("item 100 is poison");
                           co_await ctx.send(done, x);
                         });
  pl.sink<std::int64_t>("sink", {}, {&done}, [&c](Context&, std::int64_t) -> Task {
    c.sunk.fetch_add(1);
    co_return;
  });
  flowtest::CapturedOutput capture;
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 1);
  CHECK(r.isBalanced());
  CHECK(capture.err().front() == "error: stage work: item 100: item 100 is poison");
}

TEST_CASE("the first cancel reason wins", "[shutdown]") {
  Counters c;
  flow::Pipeline pl;
  buildEndless(pl, c, 2);
  pl.setDeadline(10s);
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  pl.cancel();
  pl.cancel();
  const flow::Report r = pl.wait();
  CHECK(r.exitCode == 130);
}

TEST_CASE("a run that finishes before its deadline exits 0", "[shutdown]") {
  flow::Pipeline pl;
  auto& ch = pl.channel<std::int64_t>("ch", 1);
  pl.source("gen", {}, {&ch}, [&ch](Context& ctx) -> Task {
    for (std::int64_t i = 0; i < 10; ++i) co_await ctx.send(ch, i);
  });
  std::int64_t n = 0;
  pl.sink<std::int64_t>("sink", {}, {&ch}, [&n](Context&, std::int64_t) -> Task {
    ++n;
    co_return;
  });
  pl.setDeadline(10s);
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(n == 10);
  CHECK(r.elapsed < 5s);
}

TEST_CASE("a host feeds inputs and drains outputs from plain threads", "[shutdown][embedding]") {
  const int cap = GENERATE(0, 1, 16);
  flow::Pipeline pl;
  auto& requests = pl.input<std::int64_t>("requests", cap);
  auto& replies = pl.output<std::int64_t>("replies", cap);
  pl.stage<std::int64_t>(
      "double", {.workers = 3, .ordered = true}, {&requests}, {&replies},
      [&replies](Context& ctx, std::int64_t x) -> Task { co_await ctx.send(replies, 2 * x); });
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  std::atomic<int> sendFailures{0};  // Catch2 macros are not thread-safe
  std::thread feeder([&] {
    for (std::int64_t i = 0; i < 500; ++i) {
      if (requests.send(i) != flow::SendStatus::Ok) sendFailures.fetch_add(1);
    }
    requests.close();
  });
  std::vector<std::int64_t> got;
  std::int64_t v = 0;
  while (replies.recv(v) == flow::RecvStatus::Ok) got.push_back(v);
  feeder.join();
  const flow::Report r = pl.wait();
  CHECK(r.exitCode == 0);
  CHECK(sendFailures.load() == 0);
  REQUIRE(got.size() == 500);
  for (std::size_t i = 0; i < got.size(); ++i) REQUIRE(got[i] == static_cast<std::int64_t>(2 * i));
}

TEST_CASE("cancel wakes a host thread blocked sending into the pipeline", "[shutdown][embedding]") {
  flow::Pipeline pl;
  auto& requests = pl.input<std::int64_t>("requests", 0);
  auto& replies = pl.output<std::int64_t>("replies", 0);
  pl.stage<std::int64_t>("echo", {}, {&requests}, {&replies},
                         [&replies](Context& ctx, std::int64_t x) -> Task { co_await ctx.send(replies, x); });
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  flow::SendStatus last = flow::SendStatus::Ok;
  flowtest::Latch blocked(1);
  std::thread feeder([&] {
    // Nobody drains `replies`: the second send blocks until cancel.
    (void)requests.send(1);
    blocked.countDown();
    last = requests.send(2);
    if (last == flow::SendStatus::Ok) last = requests.send(3);
  });
  REQUIRE(blocked.waitFor(5s));
  pl.cancel();
  feeder.join();
  const flow::Report r = pl.wait();
  CHECK(last == flow::SendStatus::Cancelled);
  CHECK(r.exitCode == 130);
  CHECK(r.isBalanced());
}

TEST_CASE("destroying a running pipeline cancels and joins it", "[shutdown]") {
  Counters c;
  {
    flow::Pipeline pl;
    buildEndless(pl, c, 4);
    REQUIRE(pl.start() == flow::StartStatus::Ok);
    while (c.sunk.load() < 3) std::this_thread::yield();
  }
  CHECK(c.finallies.load() == 2 + 4 + 1);
}

TEST_CASE("a bad configuration is reported and nothing starts", "[shutdown]") {
  flow::Pipeline pl;
  auto& ch = pl.channel<std::int64_t>("ch", 1);
  pl.source("gen", {.workers = 0}, {&ch}, [](Context&) -> Task { co_return; });
  pl.sink<std::int64_t>("sink", {}, {&ch}, [](Context&, std::int64_t) -> Task { co_return; });
  CHECK(pl.start() == flow::StartStatus::BadConfig);
  CHECK(pl.configError() == "stage `gen`: workers must be at least 1, got 0");
  flow::Pipeline other;
  (void)other.channel<int>("neg", -1);
  CHECK(other.run().exitCode == 2);
  CHECK(other.configError() == "channel `neg`: capacity must not be negative, got -1");
}

TEST_CASE("stress: cancellation at random moments never hangs or loses an item", "[shutdown][stress]") {
  flowtest::CapturedOutput capture;  // timeouts log errors; keep the test output clean
  for (int round = 0; round < 30; ++round) {
    Counters c;
    flow::Pipeline pl;
    buildEndless(pl, c, 1 + round % 7, {.timeout = (round % 3 == 0) ? 2ms : 0ms, .retries = round % 2});
    REQUIRE(pl.start() == flow::StartStatus::Ok);
    const std::int64_t target = round * 3;
    while (c.sunk.load() < target) std::this_thread::yield();
    pl.cancel();
    const flow::Report r = pl.wait();
    REQUIRE(r.exitCode == 130);
    REQUIRE(r.isBalanced());
    REQUIRE(c.finallies.load() == 2 + (1 + round % 7) + 1);
  }
}
