// plain_body_test.cpp — stage bodies that are plain functions (the compiler
// lowers a body without `sleep` and without a blocking send in a loop to
// one): Context::post sends at once when there is room and otherwise defers
// the send until the body returns, keeping per-channel order, the item's
// deadline, `ordered`, retries, on_error route and the counters exactly as
// a coroutine body would.
#include <algorithm>
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
  CHECK(r.exitCode == 3);  // items failed with no on_error policy
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
  CHECK(r.exitCode == 3);  // items failed with no on_error policy
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
  INFO("workers " << workers << ", capacity " << cap << ": in " << s.in << ", completed " << s.completed
                  << ", failed " << s.failed << ", in flight " << s.inFlight << ", out " << s.out
                  << "; slow.in " << stageNamed(r, "slow").in);
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

// ---- batched publish ---------------------------------------------------------
// A plain body in the worker loop's fast path (no timeout, retries, `ordered`
// or route) collects its posts to a buffered channel in an outbox and pushes
// them in one batch (Context::publish). What must not change: each channel's
// order, capacity, the counts, and that an item counts as completed only
// once its values are in the channel.

TEST_CASE("batched publish keeps each channel's order at every capacity and worker count",
          "[stage][plain][batch]") {
  // 1 and 3 run in locked mode (no batching); 33 is the smallest ring.
  const int cap = GENERATE(1, 3, 33, 1024);
  const int workers = GENERATE(1, 4);
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 64);
  auto& a = pl.channel<std::int64_t>("a", cap);
  auto& b = pl.channel<std::int64_t>("b", cap);
  constexpr std::int64_t kN = 5000;
  addCounter(pl, in, kN);
  std::atomic<bool> batched{false};
  // Three values per item on `a` (one more than a capacity-1 channel holds
  // per push), one on `b`; each value says which worker sent it.
  pl.stage<std::int64_t>("split", {.workers = workers}, {&in}, {&a, &b}, [&](Context& ctx, std::int64_t x) {
    const std::int64_t tag = ctx.worker() * 1'000'000'000;
    for (std::int64_t k = 0; k < 3; ++k) ctx.post(a, tag + 3 * x + k);
    ctx.post(b, tag + x);
    if (ctx.outboxed() > 0) batched = true;
  });
  std::vector<std::int64_t> gotA, gotB;  // one sink worker each: no lock needed
  pl.sink<std::int64_t>("ca", {}, {&a}, [&](Context&, std::int64_t v) { gotA.push_back(v); });
  pl.sink<std::int64_t>("cb", {}, {&b}, [&](Context&, std::int64_t v) { gotB.push_back(v); });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  // Only a ring (capacity above kLockedUpTo) with several writers batches.
  CHECK(batched.load() == (workers > 1 && cap > flow::ChannelBase::kLockedUpTo));
  REQUIRE(gotA.size() == 3 * kN);
  REQUIRE(gotB.size() == kN);
  // Per sending worker, every channel sees values in post order.
  std::vector<std::int64_t> lastA(static_cast<std::size_t>(workers), -1), lastB(lastA);
  std::vector<char> seenA(3 * kN, 0), seenB(kN, 0);
  for (const std::int64_t v : gotA) {
    const auto w = static_cast<std::size_t>(v / 1'000'000'000);
    const std::int64_t x = v % 1'000'000'000;
    REQUIRE(x > lastA[w]);
    lastA[w] = x;
    seenA[static_cast<std::size_t>(x)] = 1;
  }
  for (const std::int64_t v : gotB) {
    const auto w = static_cast<std::size_t>(v / 1'000'000'000);
    const std::int64_t x = v % 1'000'000'000;
    REQUIRE(x > lastB[w]);
    lastB[w] = x;
    seenB[static_cast<std::size_t>(x)] = 1;
  }
  CHECK(std::count(seenA.begin(), seenA.end(), 1) == 3 * kN);
  CHECK(std::count(seenB.begin(), seenB.end(), 1) == kN);
  if (workers == 1) {  // one sender: exactly 0, 1, 2, …
    for (std::int64_t i = 0; i < 3 * kN; ++i) REQUIRE(gotA[static_cast<std::size_t>(i)] == i);
  }
  const auto& s = stageNamed(r, "split");
  CHECK(s.in == kN);
  CHECK(s.out == 4 * kN);
  CHECK(s.completed == kN);
  CHECK(r.isBalanced());
  for (const auto& c : r.channels) {
    if (c.name != "a" && c.name != "b") continue;
    CHECK(c.sent == c.received);
    CHECK(c.maxLen <= cap);  // a batch never overfills the ring
    CHECK(c.maxLen >= 1);
  }
}

TEST_CASE("a batch larger than the room left waits for room, then goes out in order",
          "[stage][plain][batch]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 256);
  auto& out = pl.channel<std::int64_t>("out", 33);  // the smallest ring (kLockedUpTo + 1)
  constexpr std::int64_t kN = 3000;
  addCounter(pl, in, kN);
  pl.stage<std::int64_t>("fan", {}, {&in}, {&out}, [&out](Context& ctx, std::int64_t x) {
    for (std::int64_t k = 0; k < 4; ++k) ctx.post(out, 4 * x + k);  // into a nearly full ring: partial pushes
  });
  std::vector<std::int64_t> got;
  // A coroutine sink that yields now and then, so the ring is often full.
  pl.sink<std::int64_t>("slow", {}, {&out}, [&got](Context& ctx, std::int64_t v) -> Task {
    got.push_back(v);
    if (v % 97 == 0) co_await ctx.sleep(50us);
  });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  REQUIRE(got.size() == 4 * kN);
  for (std::int64_t i = 0; i < 4 * kN; ++i) REQUIRE(got[static_cast<std::size_t>(i)] == i);
  const auto& s = stageNamed(r, "fan");
  CHECK(s.out == 4 * kN);
  CHECK(s.completed == kN);
  for (const auto& c : r.channels)
    if (c.name == "out") CHECK(c.maxLen <= 33);
}

TEST_CASE("an item whose batched value waits for room counts the wait in its latency",
          "[stage][plain][batch]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 64);
  auto& out = pl.channel<std::int64_t>("out", 33);  // the smallest ring: posts are batched
  // Enough items that those whose publish waits are well over 1% of them,
  // whatever batch size the workers settle on.
  constexpr std::int64_t kN = 400;
  addCounter(pl, in, kN);
  std::atomic<bool> batched{false};
  // Two workers: `out` has two writers, so posts go through the outbox.
  pl.stage<std::int64_t>("work", {.workers = 2}, {&in}, {&out}, [&](Context& ctx, std::int64_t x) {
    ctx.post(out, x);
    if (ctx.outboxed() > 0) batched = true;
  });
  // One value per 2 ms: once the ring is full, every publish waits for room.
  std::atomic<std::int64_t> got{0};
  pl.sink<std::int64_t>("slow", {}, {&out}, [&got](Context& ctx, std::int64_t) -> Task {
    co_await ctx.sleep(2ms);
    got.fetch_add(1);
  });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(batched.load());
  CHECK(got.load() == kN);
  const auto& s = stageNamed(r, "work");
  CHECK(s.completed == kN);
  // The body takes microseconds; the wait for room, milliseconds. The item
  // whose post fills the batch waits for the lot (about one in 32 here,
  // fewer if the batches grow); the others count from the body alone.
  CHECK(s.p99ns >= 1'000'000);
}

TEST_CASE("stages with timeout, retries, ordered or route send each value at once (no batching)",
          "[stage][plain][batch]") {
  const int which = GENERATE(0, 1, 2, 3);
  flow::StageOptions opts;
  opts.workers = 2;
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 64);
  auto& out = pl.channel<std::int64_t>("out", 1024);
  auto& bad = pl.channel<std::int64_t>("bad", 4);
  switch (which) {
    case 0:
      opts.timeout = 10s;
      break;
    case 1:
      opts.retries = 1;
      break;
    case 2:
      opts.ordered = true;
      break;
    default:
      opts.onError = flow::OnError::Route;
      opts.routeTo = &bad;
      break;
  }
  constexpr std::int64_t kN = 2000;
  addCounter(pl, in, kN);
  std::atomic<bool> batched{false};
  pl.stage<std::int64_t>("fwd", opts, {&in}, {&out}, [&](Context& ctx, std::int64_t x) {
    ctx.post(out, x);
    if (ctx.outboxed() > 0) batched = true;
  });
  std::vector<std::int64_t> got;
  pl.sink<std::int64_t>("collect", {}, {&out}, [&got](Context&, std::int64_t v) { got.push_back(v); });
  pl.sink<std::int64_t>("dead", {}, {&bad}, [](Context&, std::int64_t) {});
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK_FALSE(batched.load());
  REQUIRE(got.size() == kN);
  if (which == 2) {
    for (std::int64_t i = 0; i < kN; ++i) REQUIRE(got[static_cast<std::size_t>(i)] == i);
  }
  CHECK(stageNamed(r, "fwd").completed == kN);
}

TEST_CASE("an ordered stage feeding a batching stage: input order end to end", "[stage][plain][batch]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 16);
  auto& mid = pl.channel<std::int64_t>("mid", 7);
  auto& out = pl.channel<std::int64_t>("out", 1024);
  constexpr std::int64_t kN = 4000;
  addCounter(pl, in, kN);
  pl.stage<std::int64_t>("sort", {.workers = 4, .ordered = true}, {&in}, {&mid},
                         [&mid](Context& ctx, std::int64_t x) { ctx.post(mid, x); });
  std::atomic<bool> batched{false};
  pl.stage<std::int64_t>("map", {}, {&mid}, {&out}, [&](Context& ctx, std::int64_t x) {
    ctx.post(out, 10 * x);
    ctx.post(out, 10 * x + 1);
    if (ctx.outboxed() > 0) batched = true;
  });
  std::vector<std::int64_t> got;
  pl.sink<std::int64_t>("collect", {}, {&out}, [&got](Context&, std::int64_t v) { got.push_back(v); });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK_FALSE(batched.load());  // a lone writer sends at once (Context::findOutbox)
  REQUIRE(got.size() == 2 * kN);
  for (std::int64_t i = 0; i < kN; ++i) {
    REQUIRE(got[static_cast<std::size_t>(2 * i)] == 10 * i);
    REQUIRE(got[static_cast<std::size_t>(2 * i + 1)] == 10 * i + 1);
  }
  CHECK(r.isBalanced());
}

TEST_CASE("a failure mid-batch keeps the sends of earlier items and its own", "[stage][plain][batch]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 1024);
  auto& out = pl.channel<std::int64_t>("out", 1024);
  constexpr std::int64_t kN = 3000;
  addCounter(pl, in, kN);
  flowtest::CapturedOutput capture;
  std::atomic<bool> batched{false};
  pl.stage<std::int64_t>("fwd", {.workers = 2}, {&in}, {&out}, [&](Context& ctx, std::int64_t x) {
    ctx.post(out, x);
    if (ctx.outboxed() > 1) batched = true;  // earlier items' values wait with this one
    if (x % 500 == 499) ctx.fail("bad " + std::to_string(x));
  });
  std::vector<std::int64_t> got;
  pl.sink<std::int64_t>("collect", {}, {&out}, [&got](Context&, std::int64_t v) { got.push_back(v); });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 3);  // items failed with no on_error policy
  CHECK(batched.load());
  REQUIRE(got.size() == kN);  // every value, the failed items' own included
  std::sort(got.begin(), got.end());
  for (std::int64_t i = 0; i < kN; ++i) REQUIRE(got[static_cast<std::size_t>(i)] == i);
  const auto& s = stageNamed(r, "fwd");
  CHECK(s.failed == kN / 500);
  CHECK(s.completed == kN - kN / 500);
  CHECK(s.out == kN);
  CHECK(r.isBalanced());
  CHECK(capture.err().size() == kN / 500);
}

TEST_CASE("the deadline or an interrupt mid-batch: exit status, and an item is completed only once sent",
          "[stage][plain][batch][shutdown]") {
  const int workers = GENERATE(1, 3);
  const bool interrupt = GENERATE(false, true);
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 1024);
  auto& out = pl.channel<std::int64_t>("out", 1024);
  pl.source("gen", {}, {&in}, [&in](Context& ctx) -> Task {
    for (std::int64_t i = 0;; ++i) co_await ctx.send(in, i);
  });
  std::atomic<bool> batched{false};
  pl.stage<std::int64_t>("map", {.workers = workers}, {&in}, {&out}, [&](Context& ctx, std::int64_t x) {
    ctx.post(out, x + 1);
    if (ctx.outboxed() > 0) batched = true;
  });
  std::atomic<std::int64_t> sunk{0};
  pl.sink<std::int64_t>("sink", {}, {&out}, [&sunk](Context&, std::int64_t) { sunk.fetch_add(1); });
  if (!interrupt) pl.setDeadline(100ms);
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  if (interrupt) {
    std::this_thread::sleep_for(100ms);
    pl.cancel();
  }
  const flow::Report r = pl.wait();
  CHECK(r.exitCode == (interrupt ? 130 : 124));
  CHECK(batched.load() == (workers > 1));
  CHECK(r.isBalanced());
  const auto& s = stageNamed(r, "map");
  CHECK(s.in == s.completed + s.failed + s.inFlight);
  CHECK(s.failed == 0);
  // One value per item: every completed item's value reached the channel,
  // and none was sent twice (the channel's `sent` is its tail).
  CHECK(s.out == s.completed);
  for (const auto& c : r.channels)
    if (c.name == "out") CHECK(c.sent == s.out);
  const auto& sink = stageNamed(r, "sink");
  CHECK(sink.completed == static_cast<std::uint64_t>(sunk.load()));
  for (const auto& c : r.channels)
    if (c.name == "out") CHECK(c.received == sink.in);
}

TEST_CASE("trySend publishes batched values first, and reports full rather than overtake them",
          "[stage][plain][batch]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 1024);
  auto& out = pl.channel<std::int64_t>("out", 1024);
  constexpr std::int64_t kN = 4000;
  addCounter(pl, in, kN);
  std::atomic<int> refused{0};
  std::atomic<bool> batched{false};
  pl.stage<std::int64_t>("fwd", {.workers = 2}, {&in}, {&out}, [&](Context& ctx, std::int64_t x) {
    ctx.post(out, 2 * x);
    if (ctx.outboxed() > 0) batched = true;
    if (!ctx.trySend(out, 2 * x + 1)) {
      refused.fetch_add(1);
      ctx.post(out, 2 * x + 1);  // keep the stream complete
    }
  });
  std::vector<std::int64_t> got;
  pl.sink<std::int64_t>("collect", {}, {&out}, [&got](Context&, std::int64_t v) { got.push_back(v); });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(batched.load());
  REQUIRE(got.size() == 2 * kN);
  std::vector<std::size_t> pos(2 * kN, 2 * kN);
  for (std::size_t i = 0; i < got.size(); ++i) pos[static_cast<std::size_t>(got[i])] = i;
  for (std::int64_t x = 0; x < kN; ++x) REQUIRE(pos[2 * x] < pos[2 * x + 1]);  // never overtaken
  CHECK(stageNamed(r, "fwd").out == 2 * kN);
}

TEST_CASE("a channel closed under a batching stage fails the items whose values it dropped",
          "[stage][plain][batch]") {
  flow::Pipeline pl;
  auto& in = pl.input<std::int64_t>("in", 4096);
  auto& out = pl.channel<std::int64_t>("out", 1024);
  pl.stage<std::int64_t>("fwd", {.workers = 2}, {&in}, {&out},
                         [&out](Context& ctx, std::int64_t x) { ctx.post(out, x); });
  std::atomic<std::int64_t> sunk{0};
  pl.sink<std::int64_t>("sink", {}, {&out}, [&sunk](Context&, std::int64_t) { sunk.fetch_add(1); });
  flowtest::CapturedOutput capture;
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  constexpr std::int64_t kN = 20000;
  for (std::int64_t i = 0; i < kN; ++i) {
    REQUIRE(in.send(i) == flow::SendStatus::Ok);
    if (i == kN / 2) out.close();  // the owner's job, done by a host here: the rest have nowhere to go
  }
  in.close();
  const flow::Report r = pl.wait();
  CHECK(r.isBalanced());
  const auto& s = stageNamed(r, "fwd");
  CHECK(s.in == kN);
  CHECK(s.in == s.completed + s.failed + s.inFlight);
  CHECK(s.failed >= 1);
  CHECK(s.out == s.completed);  // a completed item's value is in the channel; a failed one's is not
  for (const auto& c : r.channels)
    if (c.name == "out") CHECK(c.sent == s.out);
  CHECK(stageNamed(r, "sink").completed == static_cast<std::uint64_t>(sunk.load()));
}
