// channel_rendezvous_test.cpp — the coroutine side of locked-mode channels
// (capacity 0 and drop_oldest): Context::recv's single-channel awaiter and
// the send awaiter, whose waiters are "exclusive" (waiter.h) when there is
// no deadline — claimed under the channel lock, resumed without the gate.
// Covers close and cancel while parked, timeouts (the deadline path), value
// hand-off and per-sender order with several senders and receivers,
// coroutines meeting plain threads, and a ping-pong stress. A lost wake-up
// shows up as a hang, so every concurrent test runs under a watchdog.
// Catch2 assertions are not thread-safe: bodies count what they observe in
// atomics and the test thread asserts on the totals. Run the `[stress]`
// cases in a loop under ThreadSanitizer to shake out races:
//   for i in $(seq 200); do runtime_channel_rendezvous_test "[stress]" || break; done
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <flow/flow.h>
#include <catch2/catch.hpp>

#include "stage_support.h"
#include "test_support.h"

using namespace std::chrono_literals;
using flow::Channel;
using flow::Context;
using flow::RecvStatus;
using flow::SendStatus;
using flow::Task;
using flowtest::eventually;
using flowtest::Watchdog;

namespace {

/// A host-fed locked-mode channel: capacity 0, or drop_oldest (capacity 2).
Channel<int>& lockedInput(flow::Pipeline& pl, bool dropOldest) {
  if (!dropOldest) return pl.input<int>("in", 0);
  Channel<int>& ch = pl.channel<int>("in", 2, flow::Overflow::DropOldest);
  ch.addWriters(1);  // the host, as input() does
  return ch;
}

/// A source that sends 0..n-1 on `ping`, waits for each answer on `pong`
/// and stores the answers' sum in `sum` at the end.
void addPinger(flow::Pipeline& pl, Channel<std::int64_t>& ping, Channel<std::int64_t>& pong, std::int64_t n,
               std::atomic<std::int64_t>& sum) {
  pl.source("pinger", {}, {&ping}, [&ping, &pong, n, &sum](Context& ctx) -> Task {
    std::int64_t s = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      co_await ctx.send(ping, i);
      const std::optional<std::int64_t> answer = co_await ctx.recv(pong);
      if (!answer) ctx.fail("pong closed early");
      s += *answer;
    }
    sum.store(s);
  });
}

}  // namespace

TEST_CASE("a coroutine parked in recv on a locked-mode channel wakes on close and on cancel",
          "[channel][rendezvous]") {
  const bool dropOldest = GENERATE(false, true);
  const bool cancel = GENERATE(false, true);
  Watchdog dog("recv parked", 30s);
  flow::Pipeline pl;
  pl.setThreads(2);
  Channel<int>& in = lockedInput(pl, dropOldest);
  std::atomic<int> values{0};
  std::atomic<int> ended{0};
  pl.source("reader", {}, {}, [&](Context& ctx) -> Task {
    while (const std::optional<int> v = co_await ctx.recv(in)) {
      if (*v == 7) values.fetch_add(1);
    }
    ended.fetch_add(1);
  });
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  // On the rendezvous channel this returns only once the reader took it.
  REQUIRE(in.send(7) == SendStatus::Ok);
  REQUIRE(eventually([&] { return values.load() == 1; }));
  std::this_thread::sleep_for(5ms);  // let it park again (the test holds either way)
  if (cancel)
    pl.cancel();
  else
    in.close();
  const flow::Report r = pl.wait();
  CHECK(r.exitCode == (cancel ? 130 : 0));
  CHECK(values.load() == 1);
  CHECK(ended.load() == (cancel ? 0 : 1));  // cancel unwinds the body instead
}

TEST_CASE("a coroutine parked in send on a rendezvous channel wakes on close and on cancel",
          "[channel][rendezvous]") {
  const bool cancel = GENERATE(false, true);
  Watchdog dog("send parked", 30s);
  flow::Pipeline pl;
  pl.setThreads(2);
  auto& out = pl.output<int>("out", 0);  // nobody receives
  std::atomic<int> sendsReturned{0};
  pl.source("writer", {}, {&out}, [&](Context& ctx) -> Task {
    co_await ctx.send(out, 1);  // throws: send on closed channel, or RunCancelled
    sendsReturned.fetch_add(1);
  });
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  std::this_thread::sleep_for(5ms);  // let it park (the test holds either way)
  if (cancel)
    pl.cancel();
  else
    out.close();
  const flow::Report r = pl.wait();
  CHECK(r.exitCode == (cancel ? 130 : 3));  // the closed channel failed the source's item
  CHECK(sendsReturned.load() == 0);
  const flow::StageStats& s = flowtest::stageNamed(r, "writer");
  CHECK(s.failed == (cancel ? 0U : 1U));  // close fails the item, cancel leaves it in flight
  CHECK(s.out == 0);
  int v = 0;
  CHECK(out.tryRecv(v) != RecvStatus::Ok);  // the value was never delivered
}

TEST_CASE("recv and send with a deadline on a rendezvous channel time out and leave it usable",
          "[channel][rendezvous]") {
  const bool sending = GENERATE(false, true);
  Watchdog dog("deadline", 30s);
  flow::Pipeline pl;
  pl.setThreads(2);
  auto& in = pl.input<int>("in", 0);     // the host never sends
  auto& out = pl.output<int>("out", 0);  // the host never receives during the run
  flow::StageOptions opts;
  opts.timeout = 20ms;
  std::atomic<int> returned{0};
  pl.source("waiter", opts, {&out}, [&](Context& ctx) -> Task {
    if (sending)
      co_await ctx.send(out, 5);
    else
      (void)co_await ctx.recv(in);
    returned.fetch_add(1);
  });
  const auto t0 = std::chrono::steady_clock::now();
  const flow::Report r = pl.run();  // ends once the source gives up
  CHECK(std::chrono::steady_clock::now() - t0 >= 20ms);
  CHECK(r.exitCode == 3);  // items failed with no on_error policy
  CHECK(returned.load() == 0);
  const flow::StageStats& s = flowtest::stageNamed(r, "waiter");
  CHECK(s.failed == 1);
  CHECK(s.timedOut == 1);
  // The timed-out waiter left no trace: nothing is buffered, nobody is
  // queued to take a value, and the channels still hand values over.
  int v = 0;
  CHECK(in.trySend(1) == SendStatus::Full);
  CHECK(out.tryRecv(v) != RecvStatus::Ok);
  std::thread t([&] { (void)in.send(9); });
  CHECK(in.recv(v) == RecvStatus::Ok);
  t.join();
  CHECK(v == 9);
}

TEST_CASE(
    "several coroutine senders and receivers on one rendezvous channel: each value once, in order "
    "per sender",
    "[channel][rendezvous]") {
  const int threads = GENERATE(1, 2, 3);
  const int receivers = GENERATE(1, 3);
  Watchdog dog("many to many", 60s);
  flow::Pipeline pl;
  pl.setThreads(threads);
  auto& ch = pl.channel<std::int64_t>("c", 0);
  constexpr int kSenders = 4;
  constexpr std::int64_t kPer = 2000;
  for (int s = 0; s < kSenders; ++s) {
    pl.source("send" + std::to_string(s), {}, {&ch}, [&ch, s](Context& ctx) -> Task {
      for (std::int64_t i = 0; i < kPer; ++i) co_await ctx.send(ch, s * kPer + i);
    });  // the last sender to finish closes `ch`
  }
  std::vector<std::atomic<int>> seen(kSenders * kPer);
  std::atomic<int> outOfOrder{0};
  std::atomic<int> finished{0};
  for (int r = 0; r < receivers; ++r) {
    pl.source("recv" + std::to_string(r), {}, {}, [&](Context& ctx) -> Task {
      std::int64_t last[kSenders] = {-1, -1, -1, -1};
      while (const std::optional<std::int64_t> v = co_await ctx.recv(ch)) {
        seen[static_cast<std::size_t>(*v)].fetch_add(1);
        // FIFO per sender as seen by one receiver.
        if (*v % kPer <= last[*v / kPer]) outOfOrder.fetch_add(1);
        last[*v / kPer] = *v % kPer;
      }
      finished.fetch_add(1);
    });
  }
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(finished.load() == receivers);
  CHECK(outOfOrder.load() == 0);
  for (auto& s : seen) REQUIRE(s.load() == 1);
  CHECK(ch.stats().sent == kSenders * kPer);
  CHECK(ch.stats().received == kSenders * kPer);
  CHECK(ch.stats().maxLen == 0);
}

TEST_CASE("a coroutine and a plain thread ping-pong over rendezvous channels", "[channel][rendezvous]") {
  Watchdog dog("thread ping-pong", 60s);
  flow::Pipeline pl;
  pl.setThreads(2);
  auto& ping = pl.output<std::int64_t>("ping", 0);  // coroutine -> host
  auto& pong = pl.input<std::int64_t>("pong", 0);   // host -> coroutine
  constexpr std::int64_t kN = 5000;
  std::atomic<std::int64_t> sum{0};
  addPinger(pl, ping, pong, kN, sum);
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  std::int64_t x = 0;
  std::int64_t answered = 0;
  while (ping.recv(x) == RecvStatus::Ok) {  // ends when the pinger finishes and `ping` closes
    if (pong.send(x + 1) != SendStatus::Ok) break;
    ++answered;
  }
  pong.close();
  const flow::Report r = pl.wait();
  CHECK(r.exitCode == 0);
  CHECK(answered == kN);
  CHECK(sum.load() == kN * (kN + 1) / 2);
}

TEST_CASE("a receive on a drop_oldest channel takes the newest values and wakes for later ones",
          "[channel][rendezvous]") {
  Watchdog dog("drop_oldest", 30s);
  flow::Pipeline pl;
  pl.setThreads(2);
  Channel<int>& in = lockedInput(pl, true);                           // capacity 2, drop_oldest
  for (int i = 0; i < 5; ++i) REQUIRE(in.send(i) == SendStatus::Ok);  // keeps 3, 4
  std::vector<int> got;  // only the reader touches it until the run ends
  pl.source("reader", {}, {}, [&](Context& ctx) -> Task {
    while (const std::optional<int> v = co_await ctx.recv(in)) got.push_back(*v);
  });
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  REQUIRE(eventually([&] { return in.len() == 0; }));
  std::this_thread::sleep_for(5ms);  // let it park on the empty channel
  REQUIRE(in.send(10) == SendStatus::Ok);
  in.close();
  const flow::Report r = pl.wait();
  CHECK(r.exitCode == 0);
  CHECK(got == std::vector<int>{3, 4, 10});
  CHECK(in.stats().dropped == 3);
}

TEST_CASE("stress: coroutine ping-pong over two rendezvous channels", "[channel][rendezvous][stress]") {
  const int threads = GENERATE(1, 2, 3);
  Watchdog dog("ping-pong", 60s);
  flow::Pipeline pl;
  pl.setThreads(threads);
  auto& ping = pl.channel<std::int64_t>("ping", 0);
  auto& pong = pl.channel<std::int64_t>("pong", 0);
  constexpr std::int64_t kN = 50'000;
  std::atomic<std::int64_t> sum{-1};
  std::atomic<std::int64_t> answered{0};
  addPinger(pl, ping, pong, kN, sum);
  pl.source("ponger", {}, {&pong}, [&](Context& ctx) -> Task {
    std::int64_t n = 0;
    while (const std::optional<std::int64_t> x = co_await ctx.recv(ping)) {
      co_await ctx.send(pong, *x + 1);
      ++n;
    }
    answered.store(n);
  });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(sum.load() == kN * (kN + 1) / 2);
  CHECK(answered.load() == kN);
  for (const auto& c : r.channels) {
    CHECK(c.sent == static_cast<std::uint64_t>(kN));
    CHECK(c.received == static_cast<std::uint64_t>(kN));
  }
}

TEST_CASE("stress: cancel while coroutines hand values over rendezvous channels never hangs",
          "[channel][rendezvous][stress]") {
  const int threads = GENERATE(1, 2);
  Watchdog dog("cancel mid-flight", 60s);
  for (int round = 0; round < 10; ++round) {
    flow::Pipeline pl;
    pl.setThreads(threads);
    auto& a = pl.channel<std::int64_t>("a", 0);
    auto& b = pl.channel<std::int64_t>("b", 0);
    flowtest::addCounter(pl, a, 1'000'000'000);  // effectively endless
    pl.source("relay", {}, {&b}, [&](Context& ctx) -> Task {
      while (const std::optional<std::int64_t> x = co_await ctx.recv(a)) co_await ctx.send(b, *x);
    });
    std::atomic<std::int64_t> got{0};
    pl.source("drain", {}, {}, [&](Context& ctx) -> Task {
      while (co_await ctx.recv(b)) got.fetch_add(1);
    });
    REQUIRE(pl.start() == flow::StartStatus::Ok);
    REQUIRE(eventually([&] { return got.load() > 100; }));
    pl.cancel();
    const flow::Report r = pl.wait();
    CHECK(r.exitCode == 130);
  }
}
