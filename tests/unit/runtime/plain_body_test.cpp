// plain_body_test.cpp — stage bodies that are plain functions (the compiler
// lowers a body without `sleep` and without a blocking send in a loop to
// one): Context::post sends at once when there is room and otherwise defers
// the send until the body returns, keeping per-channel order, the item's
// deadline, `ordered`, retries, on_error route and the counters exactly as
// a coroutine body would.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <flow/flow.h>
#include <catch2/catch.hpp>

#include "stage_support.h"
#include "test_support.h"

using namespace std::chrono_literals;
using flow::Context;
using flow::Task;

using flowtest::addCounter;
using flowtest::stageNamed;

TEST_CASE("a plain body's sends to full channels are deferred, in order, none lost", "[stage][plain]") {
  const int cap = GENERATE(0, 1, 3, 1024);
  const int workers = GENERATE(1, 3);
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", cap);
  auto& out = pl.channel<std::int64_t>("out", cap);
  constexpr std::int64_t kN = 2000;
  addCounter(pl, in, kN);
  // Two sends per item to the same channel: the second must never overtake
  // the first, even when only the first was deferred.
  pl.stage<std::int64_t>("twice", {.workers = workers}, {&in}, {&out}, [&out](Context& ctx, std::int64_t x) {
    ctx.post(out, 2 * x);
    ctx.post(out, 2 * x + 1);
  });
  std::mutex mu;
  std::vector<std::int64_t> got;  // guarded by mu
  pl.sink<std::int64_t>("collect", {}, {&out}, [&](Context&, std::int64_t x) {
    std::lock_guard<std::mutex> lock(mu);
    got.push_back(x);
  });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  REQUIRE(got.size() == 2 * kN);
  if (workers == 1) {
    for (std::int64_t i = 0; i < 2 * kN; ++i) REQUIRE(got[static_cast<std::size_t>(i)] == i);
  } else {
    // Several workers interleave items, but each item's pair stays in order.
    std::vector<std::size_t> pos(2 * kN);
    for (std::size_t i = 0; i < got.size(); ++i) pos[static_cast<std::size_t>(got[i])] = i;
    for (std::int64_t i = 0; i < kN; ++i) REQUIRE(pos[2 * i] < pos[2 * i + 1]);
  }
  const auto& s = stageNamed(r, "twice");
  CHECK(s.in == kN);
  CHECK(s.out == 2 * kN);
  CHECK(s.completed == kN);
  CHECK(r.isBalanced());
}

TEST_CASE("a deferred send is bounded by the item's timeout", "[stage][plain]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 0);
  auto& out = pl.channel<std::int64_t>("out", 0);
  pl.source("gen", {}, {&in}, [&in](Context& ctx) -> Task {
    co_await ctx.sleep(30ms);  // the sink is parked in its receive by then
    for (std::int64_t i = 0; i < 3; ++i) co_await ctx.send(in, i);
  });
  flowtest::CapturedOutput capture;
  pl.stage<std::int64_t>("fwd", {.timeout = 30ms}, {&in}, {&out},
                         [&out](Context& ctx, std::int64_t x) { ctx.post(out, x); });
  std::vector<std::int64_t> got;
  pl.sink<std::int64_t>("slow", {}, {&out}, [&](Context& ctx, std::int64_t x) -> Task {
    got.push_back(x);
    co_await ctx.sleep(400ms);  // no timeout here: the sleep always finishes
  });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  // Item 0 meets the waiting sink; items 1 and 2 find it asleep and time out.
  CHECK(got == std::vector<std::int64_t>{0});
  const auto& s = stageNamed(r, "fwd");
  CHECK(s.in == 3);
  CHECK(s.out == 1);
  CHECK(s.failed == 2);
  CHECK(s.timedOut == 2);
  CHECK(r.isBalanced());
  CHECK(capture.err() == std::vector<std::string>{"error: stage fwd: item 1: timed out after 30ms",
                                                  "error: stage fwd: item 2: timed out after 30ms"});
}

TEST_CASE("trySend after a deferred send reports full rather than overtake it", "[stage][plain]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 0);
  // A host-drained rendezvous channel that nobody receives from until the
  // body has returned: the post is always deferred.
  auto& out = pl.output<std::int64_t>("out", 0);
  addCounter(pl, in, 1);
  std::atomic<bool> deferred{false}, accepted{true}, ran{false};
  pl.stage<std::int64_t>("fwd", {}, {&in}, {&out}, [&](Context& ctx, std::int64_t x) {
    ctx.post(out, x);
    deferred = !ctx.pending().empty();
    accepted = ctx.trySend(out, x + 100);
    ran = true;
  });
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  // Receive only once the body has run (polling, not a fixed sleep: the
  // machine may be loaded), so its send found nobody waiting.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!ran.load() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  REQUIRE(ran.load());
  std::vector<std::int64_t> got;
  for (std::int64_t v = 0; out.recv(v) == flow::RecvStatus::Ok;) got.push_back(v);
  const flow::Report r = pl.wait();
  CHECK(r.exitCode == 0);
  CHECK(deferred.load());
  CHECK_FALSE(accepted.load());
  CHECK(got == std::vector<std::int64_t>{0});
}

TEST_CASE("a value posted before the body fails is still sent, as a coroutine body would", "[stage][plain]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 0);
  auto& out = pl.output<std::int64_t>("out", 0);  // nobody receives until the body has failed
  addCounter(pl, in, 1);
  flowtest::CapturedOutput capture;
  pl.stage<std::int64_t>("fwd", {}, {&in}, {&out}, [&](Context& ctx, std::int64_t x) {
    ctx.post(out, x + 7);
    ctx.fail("after the send");
  });
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  std::this_thread::sleep_for(50ms);  // usually the body has failed by now; the result holds either way
  std::vector<std::int64_t> got;
  for (std::int64_t v = 0; out.recv(v) == flow::RecvStatus::Ok;) got.push_back(v);
  const flow::Report r = pl.wait();
  CHECK(r.exitCode == 0);
  CHECK(got == std::vector<std::int64_t>{7});
  const auto& s = stageNamed(r, "fwd");
  CHECK(s.failed == 1);
  CHECK(s.out == 1);
  CHECK(capture.err() == std::vector<std::string>{"error: stage fwd: item 0: after the send"});
}

TEST_CASE("plain bodies keep ordered, retry and route semantics", "[stage][plain]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 8);
  auto& out = pl.channel<std::int64_t>("out", 2);
  auto& bad = pl.channel<std::int64_t>("bad", 8);
  constexpr std::int64_t kN = 500;
  addCounter(pl, in, kN);
  std::atomic<int> attempts{0};
  flowtest::CapturedOutput capture;
  pl.stage<std::int64_t>(
      "work", {.workers = 4, .retries = 1, .onError = flow::OnError::Route, .routeTo = &bad, .ordered = true},
      {&in}, {&out}, [&](Context& ctx, std::int64_t x) {
        attempts.fetch_add(1);
        if (x % 10 == 3) ctx.fail("bad " + std::to_string(x));
        ctx.post(out, x);
      });
  std::vector<std::int64_t> got, routed;
  pl.sink<std::int64_t>("collect", {}, {&out}, [&](Context&, std::int64_t x) { got.push_back(x); });
  pl.sink<std::int64_t>("dead", {}, {&bad}, [&](Context&, std::int64_t x) { routed.push_back(x); });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  std::vector<std::int64_t> want;
  for (std::int64_t i = 0; i < kN; ++i)
    if (i % 10 != 3) want.push_back(i);
  CHECK(got == want);  // ordered, failures skipped
  CHECK(routed.size() == kN / 10);
  const auto& s = stageNamed(r, "work");
  CHECK(s.in == kN);
  CHECK(s.out == want.size());
  CHECK(s.failed == kN / 10);
  CHECK(s.retried == kN / 10);
  CHECK(attempts.load() == static_cast<int>(kN + kN / 10));
  CHECK(r.isBalanced());
}

TEST_CASE("the deadline cancels plain bodies blocked on deferred sends: 124, finally, balanced",
          "[stage][plain][shutdown]") {
  const int workers = GENERATE(1, 4);
  const int cap = GENERATE(0, 2);
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", cap);
  auto& out = pl.channel<std::int64_t>("out", cap);
  pl.source("gen", {}, {&in}, [&in](Context& ctx) -> Task {
    for (std::int64_t i = 0;; ++i) co_await ctx.send(in, i);
  });
  std::atomic<int> finallies{0};
  struct NoState {};
  pl.stage<std::int64_t, NoState>(
      "fwd", {.workers = workers}, {&in}, {&out}, [](Context&) { return NoState{}; },
      [&out](Context& ctx, NoState&, std::int64_t x) {
        ctx.post(out, x);
        ctx.post(out, x);  // the second one is deferred once `out` fills
      },
      [&finallies](Context&, NoState&) -> Task {
        finallies.fetch_add(1);
        co_return;
      });
  // A sink far slower than its input: the stage's deferred sends pile up.
  pl.sink<std::int64_t>("slow", {}, {&out},
                        [](Context& ctx, std::int64_t) -> Task { co_await ctx.sleep(5ms); });
  // Long enough that the stage surely takes items first, even under
  // ThreadSanitizer on a loaded 2-core machine (60 ms once was not).
  pl.setDeadline(250ms);
  flowtest::CapturedOutput capture;
  const auto t0 = flow::Clock::now();
  const flow::Report r = pl.run();
  CHECK(flow::Clock::now() - t0 < 5s);
  CHECK(r.exitCode == 124);
  CHECK(finallies.load() == workers);
  CHECK(r.isBalanced());
  // Whether a worker was cancelled mid-drain or while waiting for input
  // depends on timing (TSan showed both); either way nothing is lost.
  const auto& s = stageNamed(r, "fwd");
  CHECK(s.in >= 1);
  CHECK(s.in == s.completed + s.failed + s.inFlight);
}

TEST_CASE("on_error stop from a plain body ends the run with 1, nothing lost", "[stage][plain][shutdown]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 4);
  auto& out = pl.channel<std::int64_t>("out", 4);
  pl.source("gen", {}, {&in}, [&in](Context& ctx) -> Task {
    for (std::int64_t i = 0;; ++i) co_await ctx.send(in, i);
  });
  pl.stage<std::int64_t>("work", {.workers = 4, .onError = flow::OnError::Stop}, {&in}, {&out},
                         [&out](Context& ctx, std::int64_t x) {
                           if (x == 100) ctx.fail("item 100 is poison");
                           ctx.post(out, x);
                         });
  std::atomic<std::int64_t> sunk{0};
  pl.sink<std::int64_t>("sink", {}, {&out}, [&sunk](Context&, std::int64_t) { sunk.fetch_add(1); });
  flowtest::CapturedOutput capture;
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 1);
  CHECK(r.isBalanced());
  REQUIRE_FALSE(capture.err().empty());
  CHECK(capture.err().front() == "error: stage work: item 100: item 100 is poison");
  CHECK(stageNamed(r, "work").failed == 1);
}
