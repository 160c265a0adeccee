// channel_test.cpp — Channel<T> through its plain-thread API, in the style
// of Go's chan_test.go: FIFO across a capacity sweep, close and cancel while
// senders and receivers are blocked, try and deadline variants, overflow
// policies under contention, and the metrics. The coroutine side is covered
// through pipelines in stage_test.cpp and shutdown_test.cpp.
// Catch2 assertions are not thread-safe: helper threads count what they
// observe in atomics and the test thread asserts on the totals.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <flow/channel.h>
#include <catch2/catch.hpp>

#include "test_support.h"

using namespace std::chrono_literals;
using flow::Channel;
using flow::RecvStatus;
using flow::SendStatus;

TEST_CASE("values arrive in the order they were sent, at every capacity", "[channel]") {
  const int cap = GENERATE(0, 1, 2, 16);
  Channel<int> ch("c", cap);
  constexpr int kN = 2000;
  std::atomic<int> sendFailures{0};
  std::thread producer([&] {
    for (int i = 0; i < kN; ++i) {
      if (ch.send(i) != SendStatus::Ok) sendFailures.fetch_add(1);
    }
    ch.close();
  });
  std::vector<int> got;
  int v = 0;
  while (ch.recv(v) == RecvStatus::Ok) got.push_back(v);
  producer.join();
  CHECK(sendFailures.load() == 0);
  REQUIRE(got.size() == kN);
  for (int i = 0; i < kN; ++i) REQUIRE(got[static_cast<std::size_t>(i)] == i);
  CHECK(ch.stats().sent == kN);
  CHECK(ch.stats().received == kN);
}

TEST_CASE("values buffered before close are still received, then Closed", "[channel]") {
  Channel<int> ch("c", 16);
  for (int i = 0; i < 10; ++i) REQUIRE(ch.trySend(i) == SendStatus::Ok);
  ch.close();
  CHECK(ch.trySend(99) == SendStatus::Closed);
  int v = -1;
  for (int i = 0; i < 10; ++i) {
    REQUIRE(ch.recv(v) == RecvStatus::Ok);
    CHECK(v == i);
  }
  CHECK(ch.recv(v) == RecvStatus::Closed);
  CHECK(ch.tryRecv(v) == RecvStatus::Closed);
}

TEST_CASE("close wakes every blocked receiver with Closed", "[channel]") {
  const int cap = GENERATE(0, 1, 16);
  Channel<int> ch("c", cap);
  constexpr int kReceivers = 8;
  std::atomic<int> closedSeen{0};
  flowtest::Latch started(kReceivers);
  std::vector<std::thread> ts;
  for (int i = 0; i < kReceivers; ++i) {
    ts.emplace_back([&] {
      started.countDown();
      int v = 0;
      if (ch.recv(v) == RecvStatus::Closed) closedSeen.fetch_add(1);
    });
  }
  REQUIRE(started.waitFor(5s));
  ch.close();
  for (auto& t : ts) t.join();
  CHECK(closedSeen.load() == kReceivers);
}

TEST_CASE("close wakes blocked senders with Closed, and their values are not delivered", "[channel]") {
  const int cap = GENERATE(0, 1);
  Channel<int> ch("c", cap);
  if (cap == 1) REQUIRE(ch.trySend(0) == SendStatus::Ok);  // fill the buffer
  constexpr int kSenders = 6;
  std::atomic<int> closedSeen{0};
  flowtest::Latch started(kSenders);
  std::vector<std::thread> ts;
  for (int i = 0; i < kSenders; ++i) {
    ts.emplace_back([&, i] {
      started.countDown();
      if (ch.send(100 + i) == SendStatus::Closed) closedSeen.fetch_add(1);
    });
  }
  REQUIRE(started.waitFor(5s));
  // Senders that were already queued wake with Closed; later ones see Closed.
  ch.close();
  for (auto& t : ts) t.join();
  CHECK(closedSeen.load() == kSenders);
  int v = -1;
  if (cap == 1) {
    REQUIRE(ch.recv(v) == RecvStatus::Ok);
    CHECK(v == 0);
  }
  CHECK(ch.recv(v) == RecvStatus::Closed);
}

TEST_CASE("cancel wakes blocked senders and receivers with Cancelled", "[channel]") {
  Channel<int> full("full", 0);
  Channel<int> empty("empty", 4);
  std::atomic<int> cancelled{0};
  flowtest::Latch started(4);
  std::vector<std::thread> ts;
  for (int i = 0; i < 2; ++i) {
    ts.emplace_back([&] {
      started.countDown();
      if (full.send(1) == SendStatus::Cancelled) cancelled.fetch_add(1);
    });
    ts.emplace_back([&] {
      started.countDown();
      int v = 0;
      if (empty.recv(v) == RecvStatus::Cancelled) cancelled.fetch_add(1);
    });
  }
  REQUIRE(started.waitFor(5s));
  full.cancel();
  empty.cancel();
  for (auto& t : ts) t.join();
  CHECK(cancelled.load() == 4);
  int v = 0;
  CHECK(empty.trySend(1) == SendStatus::Cancelled);
  CHECK(empty.tryRecv(v) == RecvStatus::Cancelled);
}

TEST_CASE("try variants never block", "[channel]") {
  Channel<int> ch("c", 1);
  int v = 0;
  CHECK(ch.tryRecv(v) == RecvStatus::Empty);
  CHECK(ch.trySend(1) == SendStatus::Ok);
  CHECK(ch.trySend(2) == SendStatus::Full);
  CHECK(ch.tryRecv(v) == RecvStatus::Ok);
  CHECK(v == 1);
  Channel<int> rendezvous("r", 0);
  CHECK(rendezvous.trySend(1) == SendStatus::Full);  // nobody is receiving
}

TEST_CASE("deadline variants give up with Timeout at the deadline", "[channel]") {
  const int cap = GENERATE(0, 1);
  Channel<int> ch("c", cap);
  if (cap == 1) REQUIRE(ch.trySend(0) == SendStatus::Ok);
  const auto t0 = flow::Clock::now();
  CHECK(ch.sendUntil(1, t0 + 20ms) == SendStatus::Timeout);
  CHECK(flow::Clock::now() - t0 >= 20ms);
  Channel<int> none("none", cap);
  int v = 0;
  const auto t1 = flow::Clock::now();
  CHECK(none.recvUntil(v, t1 + 20ms) == RecvStatus::Timeout);
  CHECK(flow::Clock::now() - t1 >= 20ms);
  // A timed-out waiter leaves no trace: the channel still works.
  SendStatus late = SendStatus::Closed;
  std::thread t([&] { late = none.send(7); });
  CHECK(none.recv(v) == RecvStatus::Ok);
  t.join();
  CHECK(late == SendStatus::Ok);
  CHECK(v == 7);
}

TEST_CASE("every value is received exactly once with many producers and consumers", "[channel]") {
  const int cap = GENERATE(0, 1, 2, 16);
  Channel<int> ch("c", cap);
  constexpr int kProducers = 4, kConsumers = 4, kPer = 2000;
  std::vector<std::atomic<int>> seen(kProducers * kPer);
  std::atomic<int> producersLeft{kProducers};
  std::atomic<int> failures{0};
  std::vector<std::thread> ts;
  for (int p = 0; p < kProducers; ++p) {
    ts.emplace_back([&, p] {
      for (int i = 0; i < kPer; ++i) {
        if (ch.send(p * kPer + i) != SendStatus::Ok) failures.fetch_add(1);
      }
      if (producersLeft.fetch_sub(1) == 1) ch.close();
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    ts.emplace_back([&] {
      int v = 0;
      int last[kProducers] = {-1, -1, -1, -1};
      while (ch.recv(v) == RecvStatus::Ok) {
        seen[static_cast<std::size_t>(v)].fetch_add(1);
        // FIFO per producer as seen by one consumer.
        if (v % kPer <= last[v / kPer]) failures.fetch_add(1);
        last[v / kPer] = v % kPer;
      }
    });
  }
  for (auto& t : ts) t.join();
  CHECK(failures.load() == 0);
  for (auto& s : seen) REQUIRE(s.load() == 1);
  CHECK(ch.stats().received == kProducers * kPer);
}

TEST_CASE("drop_newest discards and counts every value that finds the buffer full", "[channel]") {
  Channel<int> ch("c", 4, flow::Overflow::DropNewest);
  constexpr int kProducers = 4, kPer = 1000;
  std::atomic<int> ok{0}, dropped{0};
  std::atomic<long> received{0};
  std::thread consumer([&] {
    int v = 0;
    while (ch.recv(v) == RecvStatus::Ok) received.fetch_add(1);
  });
  std::vector<std::thread> ts;
  for (int p = 0; p < kProducers; ++p) {
    ts.emplace_back([&] {
      for (int i = 0; i < kPer; ++i) {
        const SendStatus st = ch.send(i);  // never blocks: Ok or Dropped
        (st == SendStatus::Ok ? ok : dropped).fetch_add(1);
      }
    });
  }
  for (auto& t : ts) t.join();
  ch.close();
  consumer.join();
  const auto s = ch.stats();
  CHECK(ok.load() + dropped.load() == kProducers * kPer);
  CHECK(s.dropped == static_cast<std::uint64_t>(dropped.load()));
  CHECK(s.sent == static_cast<std::uint64_t>(ok.load()));
  CHECK(received.load() == ok.load());
  CHECK(s.maxLen <= 4);
}

TEST_CASE("drop_oldest evicts the oldest buffered value and counts it", "[channel]") {
  Channel<int> ch("c", 3, flow::Overflow::DropOldest);
  for (int i = 0; i < 10; ++i) REQUIRE(ch.send(i) == SendStatus::Ok);
  ch.close();
  std::vector<int> got;
  int v = 0;
  while (ch.recv(v) == RecvStatus::Ok) got.push_back(v);
  CHECK(got == std::vector<int>{7, 8, 9});
  CHECK(ch.stats().dropped == 7);
  CHECK(ch.stats().maxLen == 3);
}

TEST_CASE("drop_oldest under contention never loses count", "[channel]") {
  Channel<int> ch("c", 8, flow::Overflow::DropOldest);
  constexpr int kProducers = 4, kPer = 2000;
  std::atomic<long> received{0};
  std::thread consumer([&] {
    int v = 0;
    while (ch.recv(v) == RecvStatus::Ok) received.fetch_add(1);
  });
  std::atomic<int> failures{0};
  std::vector<std::thread> ts;
  for (int p = 0; p < kProducers; ++p) {
    ts.emplace_back([&] {
      for (int i = 0; i < kPer; ++i) {
        if (ch.send(i) != SendStatus::Ok) failures.fetch_add(1);  // drop_oldest always accepts
      }
    });
  }
  for (auto& t : ts) t.join();
  ch.close();
  consumer.join();
  const auto s = ch.stats();
  CHECK(failures.load() == 0);
  CHECK(s.sent == kProducers * kPer);
  CHECK(s.received + s.dropped == kProducers * kPer);
  CHECK(static_cast<std::uint64_t>(received.load()) == s.received);
}

TEST_CASE("metrics track length and the highest fill", "[channel]") {
  Channel<int> ch("c", 5);
  for (int i = 0; i < 4; ++i) REQUIRE(ch.trySend(i) == SendStatus::Ok);
  int v = 0;
  REQUIRE(ch.tryRecv(v) == RecvStatus::Ok);
  const auto s = ch.stats();
  CHECK(s.len == 3);
  CHECK(ch.len() == 3);
  CHECK(s.maxLen == 4);
  CHECK(s.sent == 4);
  CHECK(s.received == 1);
  CHECK(s.capacity == 5);
  CHECK(s.name == "c");
}

TEST_CASE("a rendezvous send completes only when a receiver takes the value", "[channel]") {
  Channel<int> ch("c", 0);
  std::atomic<bool> sent{false};
  std::thread t([&] { sent.store(ch.send(42) == SendStatus::Ok); });
  int v = 0;
  // No receiver yet: a bounded wait on the other side proves nothing was buffered.
  CHECK(ch.stats().len == 0);
  REQUIRE(ch.recv(v) == RecvStatus::Ok);
  t.join();
  CHECK(v == 42);
  CHECK(sent.load());
  CHECK(ch.stats().maxLen == 0);
}

TEST_CASE("stress: close races with senders and receivers without losing values", "[channel][stress]") {
  const int cap = GENERATE(0, 1, 16);
  for (int round = 0; round < 20; ++round) {
    Channel<int> ch("c", cap);
    std::atomic<long> accepted{0}, received{0};
    std::vector<std::thread> ts;
    for (int p = 0; p < 3; ++p) {
      ts.emplace_back([&] {
        for (int i = 0; i < 200; ++i) {
          if (ch.send(i) != SendStatus::Ok) break;
          accepted.fetch_add(1);
        }
      });
    }
    for (int c = 0; c < 2; ++c) {
      ts.emplace_back([&] {
        int v = 0;
        while (ch.recv(v) == RecvStatus::Ok) received.fetch_add(1);
      });
    }
    ts.emplace_back([&] { ch.close(); });
    for (auto& t : ts) t.join();
    // Every accepted value was received: close never swallows a buffered one.
    REQUIRE(accepted.load() == received.load());
  }
}
