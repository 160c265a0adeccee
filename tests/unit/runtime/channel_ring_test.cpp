// channel_ring_test.cpp — ring mode of Channel<T> (a ring whose two ends
// each take their own spin lock): exact counts and order for a lone sender
// and receiver from plain threads and from coroutines, ring growth, parked
// receivers woken by close and cancel, select (fan-in) over ring-mode
// inputs, batch receive with tickets, and wake-up races. A lost wake-up
// shows up as a hang, so every concurrent test runs under a watchdog that
// aborts the process with a message instead of letting ctest time out
// silently. Run the `[stress]` cases in a loop under ThreadSanitizer to
// shake out races:
//   for i in $(seq 300); do runtime_channel_ring_test "[stress]" || break; done
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <flow/flow.h>
#include <catch2/catch.hpp>

#include "test_support.h"

using namespace std::chrono_literals;
using flow::Channel;
using flow::Context;
using flow::RecvStatus;
using flow::SendStatus;
using flow::Task;
using flowtest::Watchdog;

// The ring at any capacity: Auto would run capacities up to 32 in locked
// mode (ChannelBase::kLockedUpTo), and the ring's edges are at its smallest.
constexpr flow::ChannelMode kRing = flow::ChannelMode::Ring;

TEST_CASE("channels above 32 run in ring mode; smaller, rendezvous and drop_oldest are locked",
          "[channel][ring]") {
  CHECK(Channel<int>("a", 33).isRingMode());
  CHECK(Channel<int>("b", 1024).isRingMode());
  CHECK(Channel<int>("c", 64, flow::Overflow::DropNewest).isRingMode());
  CHECK_FALSE(Channel<int>("d", 0).isRingMode());
  CHECK_FALSE(Channel<int>("e", 64, flow::Overflow::DropOldest).isRingMode());
  CHECK_FALSE(Channel<int>("f", 1).isRingMode());
  CHECK_FALSE(Channel<int>("g", 32).isRingMode());
  CHECK_FALSE(Channel<int>("h", 4, flow::Overflow::DropNewest).isRingMode());
  // Asked for, the ring serves any capacity but 0 (and not drop_oldest).
  CHECK(Channel<int>("i", 1, flow::Overflow::Block, kRing).isRingMode());
  CHECK(Channel<int>("j", 4, flow::Overflow::DropNewest, kRing).isRingMode());
  CHECK_FALSE(Channel<int>("k", 0, flow::Overflow::Block, kRing).isRingMode());
  CHECK_FALSE(Channel<int>("l", 4, flow::Overflow::DropOldest, kRing).isRingMode());
}

TEST_CASE("the ring grows to its capacity and keeps FIFO across growth", "[channel][ring]") {
  // 1000 is not a power of two: the ring grows 16 -> 1024 slots but never
  // holds more than the capacity.
  Channel<int> ch("c", 1000);
  int v = 0;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 1000; ++i) REQUIRE(ch.trySend(round * 1000 + i) == SendStatus::Ok);
    CHECK(ch.trySend(-1) == SendStatus::Full);
    CHECK(ch.len() == 1000);
    for (int i = 0; i < 500; ++i) {
      REQUIRE(ch.tryRecv(v) == RecvStatus::Ok);
      REQUIRE(v == round * 1000 + i);
    }
    for (int i = 0; i < 500; ++i) REQUIRE(ch.trySend(-2) == SendStatus::Ok);  // wraps around
    for (int i = 500; i < 1000; ++i) {
      REQUIRE(ch.tryRecv(v) == RecvStatus::Ok);
      REQUIRE(v == round * 1000 + i);
    }
    for (int i = 0; i < 500; ++i) {
      REQUIRE(ch.tryRecv(v) == RecvStatus::Ok);
      REQUIRE(v == -2);
    }
    CHECK(ch.tryRecv(v) == RecvStatus::Empty);
  }
  const auto s = ch.stats();
  CHECK(s.sent == 4500);
  CHECK(s.received == 4500);
  CHECK(s.maxLen == 1000);
  CHECK(s.len == 0);
}

TEST_CASE("stress: a lone sender thread and receiver thread see every value once, in order",
          "[channel][ring][stress]") {
  const int cap = GENERATE(1, 2, 3, 16, 1024);
  Watchdog dog("spsc threads", 60s);
  Channel<std::int64_t> ch("c", cap, flow::Overflow::Block, kRing);
  constexpr std::int64_t kN = 100'000;
  std::atomic<int> failures{0};
  std::atomic<std::int64_t> maxSeenLen{0};
  std::thread producer([&] {
    for (std::int64_t i = 0; i < kN; ++i) {
      if (ch.send(i) != SendStatus::Ok) failures.fetch_add(1);
      // len() is lock-free and must stay within [0, capacity].
      const std::int64_t n = ch.len();
      if (n < 0 || n > cap) failures.fetch_add(1);
      if (n > maxSeenLen.load()) maxSeenLen.store(n);
    }
    ch.close();
  });
  std::int64_t expect = 0, v = 0;
  while (ch.recv(v) == RecvStatus::Ok) {
    if (v != expect) failures.fetch_add(1);
    ++expect;
  }
  producer.join();
  CHECK(failures.load() == 0);
  CHECK(expect == kN);
  const auto s = ch.stats();
  CHECK(s.sent == static_cast<std::uint64_t>(kN));
  CHECK(s.received == static_cast<std::uint64_t>(kN));
  CHECK(s.len == 0);
  CHECK(s.maxLen <= cap);
  CHECK(s.maxLen >= 1);
}

TEST_CASE("stress: wake-ups are never lost at the empty and full edges", "[channel][ring][stress]") {
  // Tiny transfers through capacity 1 and 2 keep both sides parking and
  // waking on nearly every item: the store->load race the fences close.
  const int cap = GENERATE(1, 2);
  Watchdog dog("wake-up edges", 60s);
  for (int round = 0; round < 200; ++round) {
    Channel<int> ch("c", cap, flow::Overflow::Block, kRing);
    std::atomic<int> bad{0};
    std::thread producer([&] {
      for (int i = 0; i < 200; ++i) {
        if (ch.send(i) != SendStatus::Ok) bad.fetch_add(1);
      }
      ch.close();
    });
    int expect = 0, v = 0;
    while (ch.recv(v) == RecvStatus::Ok) {
      if (v != expect) bad.fetch_add(1);
      ++expect;
    }
    producer.join();
    REQUIRE(bad.load() == 0);
    REQUIRE(expect == 200);
  }
}

TEST_CASE("stress: coroutines through a chain of buffered channels keep order and count",
          "[channel][ring][stress]") {
  const int cap = GENERATE(1, 4, 33, 1024);  // 1 and 4 run locked (kLockedUpTo)
  const int threads = GENERATE(1, 2, 3);
  Watchdog dog("coroutine chain", 60s);
  flow::Pipeline pl;
  pl.setThreads(threads);
  auto& a = pl.channel<std::int64_t>("a", cap);
  auto& b = pl.channel<std::int64_t>("b", cap);
  constexpr std::int64_t kN = 50'000;
  pl.source("gen", {}, {&a}, [&a](Context& ctx) -> Task {
    for (std::int64_t i = 0; i < kN; ++i) co_await ctx.send(a, i);
  });
  pl.stage<std::int64_t>("inc", {}, {&a}, {&b},
                         [&b](Context& ctx, std::int64_t x) -> Task { co_await ctx.send(b, x + 1); });
  std::int64_t expect = 1;  // only the sink's worker touches these
  std::int64_t outOfOrder = 0;
  pl.sink<std::int64_t>("check", {}, {&b}, [&](Context&, std::int64_t x) -> Task {
    if (x != expect) ++outOfOrder;
    ++expect;
    co_return;
  });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(outOfOrder == 0);
  CHECK(expect == kN + 1);
  for (const auto& c : r.channels) {
    CHECK(c.sent == static_cast<std::uint64_t>(kN));
    CHECK(c.received == static_cast<std::uint64_t>(kN));
  }
}

TEST_CASE("close wakes a receiver parked on an empty ring-mode channel, after the last value",
          "[channel][ring]") {
  Watchdog dog("close parked", 30s);
  Channel<int> ch("c", 8, flow::Overflow::Block, kRing);
  std::atomic<int> got{0};
  std::atomic<int> closedSeen{0};
  flowtest::Latch started(1);
  std::thread receiver([&] {
    started.countDown();
    int v = 0;
    while (ch.recv(v) == RecvStatus::Ok) got.fetch_add(1);
    closedSeen.fetch_add(1);
  });
  REQUIRE(started.waitFor(5s));
  std::this_thread::sleep_for(5ms);  // let it park (the test holds either way)
  REQUIRE(ch.send(1) == SendStatus::Ok);
  ch.close();
  receiver.join();
  CHECK(got.load() == 1);
  CHECK(closedSeen.load() == 1);
}

TEST_CASE("a coroutine parked in recv on a ring-mode channel wakes on close and on cancel",
          "[channel][ring]") {
  const bool cancel = GENERATE(false, true);
  Watchdog dog("coroutine parked", 30s);
  flow::Pipeline pl;
  pl.setThreads(2);
  auto& in = pl.input<int>("in", 4);
  std::atomic<int> values{0};
  std::atomic<int> ended{0};
  pl.source("reader", {}, {}, [&](Context& ctx) -> Task {
    while (co_await ctx.recv(in)) values.fetch_add(1);
    ended.fetch_add(1);
  });
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  REQUIRE(in.send(7) == SendStatus::Ok);
  // Wait for the reader to take the value (a cancel drops buffered values, so
  // a fixed sleep made this flaky on a loaded machine), then let it park on
  // the empty channel.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (values.load() == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  REQUIRE(values.load() == 1);
  std::this_thread::sleep_for(5ms);
  if (cancel)
    pl.cancel();
  else
    in.close();
  const flow::Report r = pl.wait();
  CHECK(r.exitCode == (cancel ? 130 : 0));
  CHECK(values.load() == 1);
  CHECK(ended.load() == (cancel ? 0 : 1));  // cancel unwinds the body instead
}

TEST_CASE("cancel wakes a sender parked on a full ring-mode channel and refuses later operations",
          "[channel][ring]") {
  Watchdog dog("cancel full", 30s);
  Channel<int> ch("c", 2, flow::Overflow::Block, kRing);
  REQUIRE(ch.trySend(1) == SendStatus::Ok);
  REQUIRE(ch.trySend(2) == SendStatus::Ok);
  std::atomic<int> st{-1};
  flowtest::Latch started(1);
  std::thread sender([&] {
    started.countDown();
    st.store(static_cast<int>(ch.send(3)));
  });
  REQUIRE(started.waitFor(5s));
  std::this_thread::sleep_for(5ms);
  ch.cancel();
  sender.join();
  CHECK(st.load() == static_cast<int>(SendStatus::Cancelled));
  int v = 0;
  CHECK(ch.tryRecv(v) == RecvStatus::Cancelled);  // buffered values included
  CHECK(ch.trySend(4) == SendStatus::Cancelled);
}

TEST_CASE("a sender parked on a full ring-mode channel is let in by the next receive, in FIFO order",
          "[channel][ring]") {
  Watchdog dog("full then drain", 30s);
  Channel<int> ch("c", 1, flow::Overflow::Block, kRing);
  REQUIRE(ch.trySend(0) == SendStatus::Ok);
  std::atomic<int> failures{0};
  std::thread sender([&] {
    for (int i = 1; i <= 100; ++i) {
      if (ch.send(i) != SendStatus::Ok) failures.fetch_add(1);
    }
    ch.close();
  });
  int v = 0, expect = 0;
  while (ch.recv(v) == RecvStatus::Ok) REQUIRE(v == expect++);
  sender.join();
  CHECK(expect == 101);
  CHECK(failures.load() == 0);
}

TEST_CASE("stress: select over buffered inputs delivers every value once, in order per input",
          "[channel][ring][stress]") {
  const int cap = GENERATE(1, 2, 33, 64);  // 1 and 2 run locked (kLockedUpTo)
  Watchdog dog("select", 60s);
  flow::Pipeline pl;
  pl.setThreads(2);
  constexpr int kInputs = 4;
  constexpr std::int64_t kPer = 20'000;
  std::vector<Channel<std::int64_t>*> ins;
  for (int k = 0; k < kInputs; ++k) ins.push_back(&pl.channel<std::int64_t>("in" + std::to_string(k), cap));
  for (int k = 0; k < kInputs; ++k) {
    Channel<std::int64_t>& out = *ins[static_cast<std::size_t>(k)];
    pl.source("gen" + std::to_string(k), {}, {&out}, [&out, k](Context& ctx) -> Task {
      for (std::int64_t i = 0; i < kPer; ++i) co_await ctx.send(out, k * kPer + i);
    });
  }
  std::int64_t last[kInputs] = {-1, -1, -1, -1};  // only the sink's worker touches these
  std::int64_t count = 0, disorder = 0;
  pl.sink<std::int64_t>("merge", {}, ins, [&](Context&, std::int64_t x) -> Task {
    const auto k = static_cast<std::size_t>(x / kPer);
    if (x % kPer != last[k] + 1) ++disorder;
    last[k] = x % kPer;
    ++count;
    co_return;
  });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(count == kInputs * kPer);
  CHECK(disorder == 0);
}

TEST_CASE("select wakes on whichever buffered input gets a value first, from a plain thread",
          "[channel][ring]") {
  // A pipeline sink parked on two empty inputs; the host feeds only the
  // second, then closes both.
  Watchdog dog("select wake", 30s);
  flow::Pipeline pl;
  pl.setThreads(2);
  auto& a = pl.input<int>("a", 4);
  auto& b = pl.input<int>("b", 4);
  std::atomic<int> sum{0};
  pl.sink<int>("merge", {}, {&a, &b}, [&sum](Context&, int x) -> Task {
    sum.fetch_add(x);
    co_return;
  });
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  std::this_thread::sleep_for(5ms);
  REQUIRE(b.send(5) == SendStatus::Ok);
  REQUIRE(b.send(6) == SendStatus::Ok);
  a.close();
  b.close();
  const flow::Report r = pl.wait();
  CHECK(r.exitCode == 0);
  CHECK(sum.load() == 11);
}

TEST_CASE("batch receive takes values in order and draws consecutive tickets", "[channel][ring]") {
  Channel<int> ch("c", 64);
  for (int i = 0; i < 40; ++i) REQUIRE(ch.trySend(i) == SendStatus::Ok);
  std::atomic<std::uint64_t> tickets{100};
  std::vector<int> out;
  std::uint64_t first = 0;
  CHECK(ch.tryRecvBatch(out, 32, &tickets, first) == 32);
  CHECK(first == 100);
  CHECK(ch.tryRecvBatch(out, 32, &tickets, first) == 8);
  CHECK(first == 132);
  CHECK(tickets.load() == 140);
  REQUIRE(out.size() == 40);
  for (int i = 0; i < 40; ++i) CHECK(out[static_cast<std::size_t>(i)] == i);
  CHECK(ch.tryRecvBatch(out, 32, &tickets, first) == 0);
  CHECK(ch.stats().received == 40);
}

TEST_CASE("stress: several senders and receivers share a ring-mode channel without loss",
          "[channel][ring][stress]") {
  const int cap = GENERATE(1, 8);
  Watchdog dog("mpmc", 60s);
  Channel<int> ch("c", cap, flow::Overflow::Block, kRing);
  constexpr int kProducers = 3, kConsumers = 3, kPer = 5000;
  std::vector<std::atomic<int>> seen(kProducers * kPer);
  std::atomic<int> left{kProducers};
  std::vector<std::thread> ts;
  for (int p = 0; p < kProducers; ++p) {
    ts.emplace_back([&, p] {
      for (int i = 0; i < kPer; ++i) (void)ch.send(p * kPer + i);
      if (left.fetch_sub(1) == 1) ch.close();
    });
  }
  std::atomic<int> disorder{0};
  for (int c = 0; c < kConsumers; ++c) {
    ts.emplace_back([&] {
      int v = 0;
      int last[kProducers] = {-1, -1, -1};
      while (ch.recv(v) == RecvStatus::Ok) {
        seen[static_cast<std::size_t>(v)].fetch_add(1);
        if (v % kPer <= last[v / kPer]) disorder.fetch_add(1);
        last[v / kPer] = v % kPer;
      }
    });
  }
  for (auto& t : ts) t.join();
  CHECK(disorder.load() == 0);
  for (auto& s : seen) REQUIRE(s.load() == 1);
}

// ---- batch send (Channel::trySendBatch) ---------------------------------------

TEST_CASE("batch send pushes the prefix that fits, in order, and moves only what it pushed",
          "[channel][ring][batch]") {
  Channel<std::string> ch("c", 5, flow::Overflow::Block, kRing);
  REQUIRE(ch.isBatchable());
  std::vector<std::string> vals;
  for (int i = 0; i < 8; ++i) vals.push_back("v" + std::to_string(i));
  SendStatus st{};
  CHECK(ch.trySendBatch(vals.data(), 3, st) == 3);
  CHECK(st == SendStatus::Ok);
  CHECK(ch.trySendBatch(vals.data() + 3, 5, st) == 2);  // room for two more
  CHECK(st == SendStatus::Ok);
  CHECK(vals[5] == "v5");  // not pushed: left intact
  CHECK(vals[7] == "v7");
  CHECK(ch.trySendBatch(vals.data() + 5, 3, st) == 0);  // full
  CHECK(st == SendStatus::Ok);
  std::string v;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(ch.tryRecv(v) == RecvStatus::Ok);
    CHECK(v == "v" + std::to_string(i));
  }
  CHECK(ch.trySendBatch(vals.data() + 5, 3, st) == 3);  // wraps around the ring
  for (int i = 5; i < 8; ++i) {
    REQUIRE(ch.tryRecv(v) == RecvStatus::Ok);
    CHECK(v == "v" + std::to_string(i));
  }
  const auto s = ch.stats();
  CHECK(s.sent == 8);
  CHECK(s.received == 8);
  CHECK(s.maxLen == 5);
  CHECK_FALSE(Channel<int>("r", 0).isBatchable());
  CHECK_FALSE(Channel<int>("d", 4, flow::Overflow::DropNewest).isBatchable());
}

TEST_CASE("batch send grows the ring to capacity in one push and keeps FIFO", "[channel][ring][batch]") {
  Channel<int> ch("c", 1000);  // starts at 16 slots
  std::vector<int> vals(1200);
  for (int i = 0; i < 1200; ++i) vals[static_cast<std::size_t>(i)] = i;
  SendStatus st{};
  CHECK(ch.trySendBatch(vals.data(), 10, st) == 10);
  CHECK(ch.trySendBatch(vals.data() + 10, 1190, st) == 990);  // capacity, not more
  CHECK(ch.len() == 1000);
  int v = -1;
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(ch.tryRecv(v) == RecvStatus::Ok);
    REQUIRE(v == i);
  }
  CHECK(ch.stats().maxLen == 1000);
}

TEST_CASE("batch send reports closed and cancelled without pushing", "[channel][ring][batch]") {
  int vals[3] = {1, 2, 3};
  SendStatus st{};
  Channel<int> closed("c", 8, flow::Overflow::Block, kRing);
  closed.close();
  CHECK(closed.trySendBatch(vals, 3, st) == 0);
  CHECK(st == SendStatus::Closed);
  Channel<int> cancelled("k", 8, flow::Overflow::Block, kRing);
  cancelled.cancel();
  CHECK(cancelled.trySendBatch(vals, 3, st) == 0);
  CHECK(st == SendStatus::Cancelled);
  CHECK(closed.stats().sent == 0);
}

TEST_CASE("batch send after a blocked sender: the sender's value stays ahead", "[channel][ring][batch]") {
  Watchdog dog("blocked sender", 60s);
  Channel<int> ch("c", 2, flow::Overflow::Block, kRing);
  REQUIRE(ch.trySend(0) == SendStatus::Ok);
  REQUIRE(ch.trySend(1) == SendStatus::Ok);
  std::atomic<bool> sentOk{false};
  std::thread blocked([&] { sentOk = ch.send(2) == SendStatus::Ok; });
  // Parked or not yet, the sender's value takes the slot this frees.
  int v = -1;
  REQUIRE(ch.recv(v) == RecvStatus::Ok);
  CHECK(v == 0);
  blocked.join();
  CHECK(sentOk.load());
  int more[2] = {3, 4};
  SendStatus st{};
  CHECK(ch.trySendBatch(more, 2, st) == 0);  // full again: 1, 2
  REQUIRE(ch.recv(v) == RecvStatus::Ok);
  CHECK(v == 1);
  CHECK(ch.trySendBatch(more, 2, st) == 1);
  for (int want : {2, 3}) {
    REQUIRE(ch.recv(v) == RecvStatus::Ok);
    CHECK(v == want);
  }
}

TEST_CASE("batch send wakes a parked receiver", "[channel][ring][batch]") {
  Watchdog dog("parked receiver", 60s);
  Channel<int> ch("c", 64);
  std::vector<int> got;
  std::thread receiver([&] {
    int v = 0;
    while (ch.recv(v) == RecvStatus::Ok) got.push_back(v);
  });
  int vals[40];
  for (int i = 0; i < 40; ++i) vals[i] = i;
  SendStatus st{};
  for (int off = 0; off < 40; off += 10) {
    std::this_thread::sleep_for(2ms);  // usually the receiver has parked by now; correct either way
    REQUIRE(ch.trySendBatch(vals + off, 10, st) == 10);
  }
  ch.close();
  receiver.join();
  REQUIRE(got.size() == 40);
  for (int i = 0; i < 40; ++i) CHECK(got[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("stress: batch senders and batch receivers share a ring-mode channel without loss",
          "[channel][ring][batch][stress]") {
  const int cap = GENERATE(1, 3, 64);
  Watchdog dog("batch mpmc", 60s);
  Channel<int> ch("c", cap, flow::Overflow::Block, kRing);
  constexpr int kProducers = 3, kConsumers = 3, kPer = 20000;
  std::vector<std::atomic<int>> seen(kProducers * kPer);
  std::atomic<int> left{kProducers};
  std::atomic<int> disorder{0}, failures{0};
  std::vector<std::thread> ts;
  for (int p = 0; p < kProducers; ++p) {
    ts.emplace_back([&, p] {
      std::vector<int> vals;
      for (int i = 0; i < kPer; ++i) vals.push_back(p * kPer + i);
      std::size_t next = 0;
      while (next < vals.size()) {
        const std::size_t n = std::min<std::size_t>(1 + next % 13, vals.size() - next);
        SendStatus st{};
        const std::size_t k = ch.trySendBatch(vals.data() + next, n, st);
        if (st != SendStatus::Ok) failures.fetch_add(1);
        next += k;
        if (k == 0 && next < vals.size()) {
          if (ch.send(vals[next]) != SendStatus::Ok) failures.fetch_add(1);  // full: wait like publish()
          ++next;
        }
      }
      if (left.fetch_sub(1) == 1) ch.close();
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    ts.emplace_back([&] {
      int last[kProducers] = {-1, -1, -1};
      std::vector<int> batch;
      std::uint64_t first = 0;
      for (;;) {
        batch.clear();
        if (ch.tryRecvBatch(batch, 16, nullptr, first) == 0) {
          int v = 0;
          if (ch.recv(v) != RecvStatus::Ok) break;
          batch.push_back(v);
        }
        for (const int v : batch) {
          seen[static_cast<std::size_t>(v)].fetch_add(1);
          if (v % kPer <= last[v / kPer]) disorder.fetch_add(1);
          last[v / kPer] = v % kPer;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  CHECK(failures.load() == 0);
  CHECK(disorder.load() == 0);
  for (auto& s : seen) REQUIRE(s.load() == 1);
  CHECK(ch.stats().maxLen <= cap);
}
