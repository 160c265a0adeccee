// preemption_test.cpp — what the preemption points (flow::poll(), which
// flowc puts at every loop back-edge and before every send) let a pipeline
// do with bodies that compute without ever waiting: an item's `timeout`
// fails it at its deadline, the run's deadline (124) and an interrupt (130)
// end the run promptly, `finally` still runs to its end, and heavy items
// spread over every scheduler thread. The bodies here are hand-written C++
// that calls flow::poll() the way generated loops do. Time bounds are loose
// (loaded and sanitizer runs); without the mechanism these bodies never end.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <flow/flow.h>
#include <catch2/catch.hpp>

#include "stage_support.h"
#include "test_support.h"

using namespace std::chrono_literals;
using flow::Context;
using flow::Task;

namespace {

/// A loop that never ends by itself: only a preemption point ends it.
[[noreturn]] void computeForever() {
  volatile std::uint64_t sink = 0;
  for (std::uint64_t k = 0;; ++k) {
    flow::poll();
    sink = sink + k;
  }
}

/// Computes for `d` of the calling thread's CPU time, polling.
void computeFor(std::chrono::nanoseconds d) {
  const auto until = flow::Clock::now() + d;
  volatile std::uint64_t sink = 0;
  while (flow::Clock::now() < until) {
    flow::poll();
    for (int k = 0; k < 1000; ++k) sink = sink + static_cast<std::uint64_t>(k);
  }
}

}  // namespace

TEST_CASE("a body that computes past its timeout fails with `timed out after D`", "[preemption]") {
  const bool plain = GENERATE(true, false);
  flowtest::Watchdog dog("CPU-bound timeout", 60s);
  flowtest::CapturedOutput capture;
  flow::Pipeline pl;
  pl.setDeadline(20s);  // a backstop: without preemption points the items never end
  auto& ids = pl.channel<std::int64_t>("ids", 4);
  auto& out = pl.channel<std::int64_t>("out", 4);
  flowtest::addCounter(pl, ids, 3);
  std::mutex mu;
  std::vector<flow::Clock::time_point> starts;  // guarded by mu
  auto note = [&] {
    std::lock_guard<std::mutex> lock(mu);
    starts.push_back(flow::Clock::now());
  };
  const flow::StageOptions opts{.timeout = 20ms};
  if (plain) {
    pl.stage<std::int64_t>("crunch", opts, {&ids}, {&out}, [&](Context& ctx, std::int64_t x) {
      note();
      computeForever();
      ctx.post(out, x);
    });
  } else {
    pl.stage<std::int64_t>("crunch", opts, {&ids}, {&out}, [&](Context& ctx, std::int64_t x) -> Task {
      note();
      computeForever();
      co_await ctx.send(out, x);
    });
  }
  pl.sink<std::int64_t>("show", {}, {&out}, [](Context&, std::int64_t) {});
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 3);  // the items failed in a stage without an on_error policy
  const flow::StageStats& s = flowtest::stageNamed(r, "crunch");
  CHECK(s.in == 3);
  CHECK(s.failed == 3);
  CHECK(s.timedOut == 3);
  CHECK(s.out == 0);
  CHECK(r.isBalanced());
  const std::vector<std::string> err = capture.err();
  REQUIRE(err.size() == 3);
  CHECK(err[0] == "error: stage crunch: item 0: timed out after 20ms");
  // One worker: each item starts when the previous one timed out, ~20 ms
  // later plus a check interval (µs) and the monitor's wake-up.
  REQUIRE(starts.size() == 3);
  for (std::size_t i = 1; i < starts.size(); ++i) {
    const auto gap = starts[i] - starts[i - 1];
    CHECK(gap >= 20ms);
    CHECK(gap < 300ms);
  }
}

TEST_CASE("the deadline ends a run whose bodies compute without waiting (124)", "[preemption]") {
  flowtest::Watchdog dog("CPU-bound deadline", 60s);
  flowtest::CapturedOutput capture;
  flow::Pipeline pl;
  // Long enough for a body to have started on a loaded machine under TSan
  // (inFlight below): the deadline has to cut a computation short.
  pl.setDeadline(300ms);
  auto& ids = pl.channel<std::int64_t>("ids", 4);
  auto& out = pl.channel<std::int64_t>("out", 4);
  flowtest::addCounter(pl, ids, 8);
  pl.stage<std::int64_t>("spin", {.workers = 4}, {&ids}, {&out}, [&](Context& ctx, std::int64_t x) {
    computeForever();
    ctx.post(out, x);
  });
  pl.sink<std::int64_t>("show", {}, {&out}, [](Context&, std::int64_t) {});
  const auto t0 = flow::Clock::now();
  const flow::Report r = pl.run();
  const auto took = flow::Clock::now() - t0;
  CHECK(r.exitCode == 124);
  CHECK(took < 300ms + 400ms);
  const flow::StageStats& s = flowtest::stageNamed(r, "spin");
  CHECK(s.inFlight >= 1);
  CHECK(s.completed == 0);
  CHECK(r.isBalanced());
}

TEST_CASE("an interrupt ends a run whose bodies compute without waiting (130)", "[preemption]") {
  flowtest::Watchdog dog("CPU-bound interrupt", 60s);
  flow::Pipeline pl;
  auto& ids = pl.channel<std::int64_t>("ids", 4);
  auto& out = pl.channel<std::int64_t>("out", 4);
  flowtest::addCounter(pl, ids, 8);
  std::atomic<int> started{0};
  pl.stage<std::int64_t>("spin", {.workers = 2}, {&ids}, {&out}, [&](Context& ctx, std::int64_t x) {
    started.fetch_add(1);
    computeForever();
    ctx.post(out, x);
  });
  pl.sink<std::int64_t>("show", {}, {&out}, [](Context&, std::int64_t) {});
  std::atomic<int> flag{0};
  pl.setInterruptFlag(&flag);
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  REQUIRE(flowtest::eventually([&] { return started.load() >= 1; }));
  const auto signalled = flow::Clock::now();
  flag.store(1);
  const flow::Report r = pl.wait();
  const auto took = flow::Clock::now() - signalled;
  CHECK(r.exitCode == 130);
  // wait() looks at the flag every 10 ms; the bodies stop at their next poll.
  CHECK(took < 300ms);
  CHECK(r.isBalanced());
}

TEST_CASE("a finally that computes runs to its end after the run is cancelled", "[preemption]") {
  flowtest::Watchdog dog("finally after cancel", 60s);
  flow::Pipeline pl;
  pl.setDeadline(50ms);
  auto& ids = pl.channel<std::int64_t>("ids", 4);
  flowtest::addCounter(pl, ids, 4);
  std::atomic<std::int64_t> steps{0};
  struct Empty {};
  pl.sink<std::int64_t, Empty>(
      "spin", {}, {&ids}, [](Context&) { return Empty{}; },
      [](Context&, Empty&, std::int64_t) { computeForever(); },
      [&](Context&, Empty&) -> Task {
        for (int i = 0; i < 1000; ++i) {
          flow::poll();  // does not end `finally`, even though the run is cancelled
          steps.fetch_add(1);
        }
        co_return;
      });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 124);
  CHECK(steps.load() == 1000);
}

TEST_CASE("heavy items on a worker pool spread over every scheduler thread", "[preemption]") {
  flowtest::Watchdog dog("heavy items spread", 60s);
  flow::Pipeline pl;
  pl.setThreads(2);
  auto& jobs = pl.channel<std::int64_t>("jobs", 100);
  auto& done = pl.channel<std::int64_t>("done", 100);
  constexpr int kItems = 8;
  flowtest::addCounter(pl, jobs, kItems);
  std::mutex mu;
  std::map<std::thread::id, int> perThread;  // guarded by mu
  pl.stage<std::int64_t>("work", {.workers = kItems}, {&jobs}, {&done}, [&](Context& ctx, std::int64_t x) {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++perThread[std::this_thread::get_id()];
    }
    computeFor(40ms);
    ctx.post(done, x);
  });
  pl.sink<std::int64_t>("collect", {}, {&done}, [](Context&, std::int64_t) {});
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(flowtest::stageNamed(r, "work").completed == kItems);
  // Taken in batches by one worker (or stuck behind one thread), all eight
  // would run on one thread.
  int most = 0;
  for (const auto& [thread, items] : perThread) most = std::max(most, items);
  INFO("threads that ran items: " << perThread.size() << ", most on one: " << most);
  CHECK(perThread.size() >= 2);
  CHECK(most <= 6);
}
