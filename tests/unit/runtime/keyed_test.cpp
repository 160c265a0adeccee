// keyed_test.cpp — `key`, `batch` and `every` on the scheduler: equal keys
// always meet the same worker, in input order, with any number of workers
// (and after --workers re-partitions); a failing key fails its item; a
// cancelled run with items in the lanes still balances its counters;
// batches are full lists, a short last one, or due after `within`, and count
// items; `every` never overlaps its worker's items, ticks while the worker
// waits, runs once more after the input drains (before `finally`) and never
// after cancellation. Runs under ThreadSanitizer with the other runtime tests.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <flow/flow.h>
#include <catch2/catch.hpp>

#include "stage_support.h"
#include "test_support.h"

using namespace std::chrono_literals;
using flow::Context;
using flow::Task;
using flow::detail::NoState;

using flowtest::addCounter;
using flowtest::stageNamed;

namespace {

/// What each key's items saw: which workers, and the values in order.
struct KeyLog {
  std::mutex mu;
  std::map<std::int64_t, std::set<std::int64_t>> workers;  // guarded by mu
  std::map<std::int64_t, std::vector<std::int64_t>> seen;  // guarded by mu
  void note(std::int64_t key, std::int64_t worker, std::int64_t value) {
    std::lock_guard<std::mutex> lock(mu);
    workers[key].insert(worker);
    seen[key].push_back(value);
  }
};

/// A keyed sink over 0..n-1 keyed by `x % keys`; returns the report.
flow::Report runKeyed(KeyLog& log, std::int64_t n, std::int64_t keys, std::int64_t workers,
                      std::int64_t overrideTo = 0) {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 64);
  addCounter(pl, in, n);
  pl.sink<std::int64_t, NoState>(
      "count", {.workers = workers}, {&in}, nullptr,
      [&log, keys](Context& ctx, std::int64_t x) { log.note(x % keys, ctx.worker(), x); }, nullptr, nullptr,
      [keys](Context&, const std::int64_t& x) { return flow::keyHash(x % keys); });
  if (overrideTo > 0) pl.overrideWorkers("count", overrideTo);
  return pl.run();
}

}  // namespace

TEST_CASE("equal keys always reach the same worker, in input order", "[keyed]") {
  const std::int64_t workers = GENERATE(1, 2, 3, 8);
  flowtest::Watchdog dog("keyed routing", 30s);
  KeyLog log;
  constexpr std::int64_t kN = 20000, kKeys = 37;
  const flow::Report r = runKeyed(log, kN, kKeys, workers);
  CHECK(r.exitCode == 0);
  REQUIRE(log.workers.size() == kKeys);
  std::set<std::int64_t> used;
  for (const auto& [key, ws] : log.workers) {
    REQUIRE(ws.size() == 1);  // one worker per key
    used.insert(*ws.begin());
    const auto& values = log.seen[key];
    REQUIRE(values.size() == static_cast<std::size_t>(kN / kKeys + (key < kN % kKeys ? 1 : 0)));
    REQUIRE(std::is_sorted(values.begin(), values.end()));  // per-key input order
  }
  CHECK(used.size() == static_cast<std::size_t>(workers));  // 37 keys spread over every worker
  const auto& s = stageNamed(r, "count");
  CHECK(s.in == kN);
  CHECK(s.completed == kN);
  CHECK(r.isBalanced());
  CHECK(r.channels.front().received == kN);
}

TEST_CASE("overriding the workers of a keyed stage re-partitions its keys", "[keyed]") {
  KeyLog log;
  const flow::Report r = runKeyed(log, 5000, 37, 2, /*overrideTo=*/5);
  CHECK(r.exitCode == 0);
  CHECK(stageNamed(r, "count").workers == 5);
  std::set<std::int64_t> used;
  for (const auto& [key, ws] : log.workers) {
    REQUIRE(ws.size() == 1);
    used.insert(*ws.begin());
  }
  CHECK(used == std::set<std::int64_t>{0, 1, 2, 3, 4});
}

TEST_CASE("a key that fails fails its item, which on_error route sends on", "[keyed]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 8);
  auto& failed = pl.channel<std::int64_t>("failed", 8);
  addCounter(pl, in, 100);
  std::atomic<std::int64_t> sum{0};
  pl.sink<std::int64_t, NoState>(
      "keyed", {.workers = 3, .onError = flow::OnError::Route, .routeTo = &failed}, {&in}, nullptr,
      [&sum](Context&, std::int64_t x) { sum.fetch_add(x); }, nullptr, nullptr,
      [](Context&, const std::int64_t& x) -> std::uint64_t {
        if (x % 10 == 0) throw flow::ItemFailed("no key for " + std::to_string(x));
        return flow::keyHash(x);
      });
  std::atomic<std::int64_t> routed{0};
  pl.sink<std::int64_t>("dead", {}, {&failed}, [&routed](Context&, std::int64_t x) -> Task {
    routed.fetch_add(x);
    co_return;
  });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(routed.load() == 0 + 10 + 20 + 30 + 40 + 50 + 60 + 70 + 80 + 90);
  CHECK(sum.load() + routed.load() == 99 * 100 / 2);
  const auto& s = stageNamed(r, "keyed");
  CHECK(s.in == 100);
  CHECK(s.failed == 10);
  CHECK(s.completed == 90);
  CHECK(r.isBalanced());
}

TEST_CASE("a cancelled keyed stage counts the items left in its lanes as in flight", "[keyed][shutdown]") {
  flowtest::Watchdog dog("keyed cancel", 30s);
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 64);
  addCounter(pl, in, 1'000'000);
  pl.sink<std::int64_t, NoState>(
      "slow", {.workers = 4}, {&in}, nullptr,
      [](Context& ctx, std::int64_t) -> Task { co_await ctx.sleep(1ms); }, nullptr, nullptr,
      [](Context&, const std::int64_t& x) { return flow::keyHash(x % 5); });
  pl.setDeadline(100ms);
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 124);
  const auto& s = stageNamed(r, "slow");
  CHECK(s.isBalanced());
  CHECK(s.inFlight > 0);
  // Every item taken from the channel is accounted for by the stage.
  CHECK(r.channels.front().received == s.in);
}

TEST_CASE("batch hands over full lists and a short last one, counting items", "[batch]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 16);
  addCounter(pl, in, 1005);
  std::mutex mu;
  std::vector<std::size_t> sizes;  // guarded by mu
  std::int64_t sum = 0;            // guarded by mu
  pl.sink<std::int64_t, NoState>(
      "save", {.batch = 100}, {&in}, nullptr,
      [&](Context&, std::vector<std::int64_t> xs) {
        std::lock_guard<std::mutex> lock(mu);
        sizes.push_back(xs.size());
        for (auto x : xs) sum += x;
      },
      nullptr, nullptr, nullptr);
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  std::vector<std::size_t> want(10, 100);
  want.push_back(5);
  CHECK(sizes == want);
  CHECK(sum == 1004 * 1005 / 2);
  const auto& s = stageNamed(r, "save");
  CHECK(s.in == 1005);
  CHECK(s.completed == 1005);
  CHECK(r.isBalanced());
}

TEST_CASE("batch within hands over a partial list once it is due", "[batch]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 16);
  // 3 items, a pause far longer than `within`, 2 more.
  pl.source("gen", {}, {&in}, [&in](Context& ctx) -> Task {
    for (std::int64_t i = 0; i < 3; ++i) co_await ctx.send(in, i);
    co_await ctx.sleep(300ms);
    for (std::int64_t i = 3; i < 5; ++i) co_await ctx.send(in, i);
    co_await ctx.sleep(300ms);
  });
  std::mutex mu;
  std::vector<std::vector<std::int64_t>> lists;  // guarded by mu
  std::vector<flow::Clock::time_point> at;       // guarded by mu
  pl.sink<std::int64_t, NoState>(
      "save", {.batch = 100, .batchWithin = 30ms}, {&in}, nullptr,
      [&](Context&, std::vector<std::int64_t> xs) -> Task {
        std::lock_guard<std::mutex> lock(mu);
        lists.push_back(std::move(xs));
        at.push_back(flow::Clock::now());
        co_return;
      },
      nullptr, nullptr, nullptr);
  const auto start = flow::Clock::now();
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  REQUIRE(lists.size() == 2);
  CHECK(lists[0] == std::vector<std::int64_t>{0, 1, 2});
  CHECK(lists[1] == std::vector<std::int64_t>{3, 4});
  // Due 30 ms after its first item, well before the source's pause ends.
  CHECK(at[0] - start < 250ms);
  CHECK(at[1] - start < 550ms);
}

TEST_CASE("a failed batch counts every item failed and routes each one", "[batch]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 16);
  auto& dead = pl.channel<std::int64_t>("dead", 16);
  addCounter(pl, in, 40);
  pl.sink<std::int64_t, NoState>(
      "save", {.onError = flow::OnError::Route, .routeTo = &dead, .batch = 10}, {&in}, nullptr,
      [](Context& ctx, std::vector<std::int64_t> xs) {
        if (xs.front() == 10) ctx.fail("bad batch");
      },
      nullptr, nullptr, nullptr);
  std::atomic<std::int64_t> routed{0}, count{0};
  pl.sink<std::int64_t>("dlq", {}, {&dead}, [&](Context&, std::int64_t x) -> Task {
    routed.fetch_add(x);
    count.fetch_add(1);
    co_return;
  });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(count.load() == 10);
  CHECK(routed.load() == (10 + 19) * 10 / 2);
  const auto& s = stageNamed(r, "save");
  CHECK(s.in == 40);
  CHECK(s.failed == 10);
  CHECK(s.completed == 30);
  CHECK(r.isBalanced());
}

namespace {

/// One worker's story: items and ticks in the order they ran, and whether
/// a tick ever overlapped an item or saw the run cancelled.
struct TickState {
  std::vector<char> events;  // 'i' item, 't' tick, 'f' finally
  std::int64_t sum = 0;
};

}  // namespace

TEST_CASE("every never overlaps its worker's items and runs once more before finally", "[every]") {
  const std::int64_t workers = GENERATE(1, 3);
  flowtest::Watchdog dog("every", 30s);
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 4);
  auto& out = pl.channel<std::int64_t>("out", 64);
  pl.source("gen", {}, {&in}, [&in](Context& ctx) -> Task {
    for (std::int64_t i = 0; i < 60; ++i) {
      co_await ctx.sleep(2ms);
      co_await ctx.send(in, i);
    }
  });
  std::atomic<int> overlaps{0};
  std::mutex mu;
  std::map<std::int64_t, std::vector<char>> stories;  // guarded by mu
  std::vector<std::atomic<bool>> busy(static_cast<std::size_t>(workers));
  auto busyOf = [&busy](Context& ctx) -> std::atomic<bool>& {
    return busy[static_cast<std::size_t>(ctx.worker())];
  };
  pl.stage<std::int64_t, TickState>(
      "acc", {.workers = workers, .every = 10ms}, {&in}, {&out}, [](Context&) { return TickState{}; },
      [&](Context& ctx, TickState& st, std::int64_t x) -> Task {
        busyOf(ctx).store(true);
        co_await ctx.sleep(1ms);  // the item is in progress across a suspension
        st.sum += x;
        st.events.push_back('i');
        busyOf(ctx).store(false);
      },
      [&](Context& ctx, TickState& st) -> Task {
        st.events.push_back('f');
        std::lock_guard<std::mutex> lock(mu);
        stories[ctx.worker()] = st.events;
        co_return;
      },
      [&](Context& ctx, TickState& st) -> Task {
        if (busyOf(ctx).load()) overlaps.fetch_add(1);
        st.events.push_back('t');
        co_await ctx.send(out, st.sum);
        st.sum = 0;
      },
      nullptr);
  std::atomic<std::int64_t> total{0};
  pl.sink<std::int64_t>("sum", {}, {&out}, [&total](Context&, std::int64_t x) -> Task {
    total.fetch_add(x);
    co_return;
  });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(overlaps.load() == 0);
  CHECK(total.load() == 59 * 60 / 2);  // nothing accumulated is lost
  REQUIRE(stories.size() == static_cast<std::size_t>(workers));
  for (const auto& [w, events] : stories) {
    REQUIRE(events.size() >= 2);
    CHECK(events[events.size() - 2] == 't');  // the last tick, after the input drained
    CHECK(events.back() == 'f');
  }
  CHECK(r.isBalanced());
}

TEST_CASE("every ticks while its worker waits for input", "[every]") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 4);
  pl.source("gen", {}, {&in}, [&in](Context& ctx) -> Task {
    co_await ctx.send(in, 1);
    co_await ctx.sleep(200ms);  // the stage's worker waits here
  });
  std::atomic<int> ticks{0};
  pl.sink<std::int64_t, NoState>(
      "idle", {.every = 20ms}, {&in}, nullptr, [](Context&, std::int64_t) {}, nullptr,
      [&ticks](Context&, NoState&) -> Task {
        ticks.fetch_add(1);
        co_return;
      },
      nullptr);
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  CHECK(ticks.load() >= 4);  // ~10 in 200 ms, +1 after the input drains
}

TEST_CASE("every never runs after the run is cancelled", "[every][shutdown]") {
  const bool interrupt = GENERATE(false, true);
  flowtest::Watchdog dog("every cancel", 30s);
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 4);
  pl.source("gen", {}, {&in}, [&in](Context& ctx) -> Task {
    for (std::int64_t i = 0;; ++i) {
      co_await ctx.sleep(1ms);
      co_await ctx.send(in, i);
    }
  });
  std::atomic<int> ticks{0}, lateTicks{0}, finals{0};
  pl.sink<std::int64_t, NoState>(
      "acc", {.workers = 2, .every = 5ms}, {&in}, nullptr, [](Context&, std::int64_t) {},
      [&finals](Context&, NoState&) -> Task {
        finals.fetch_add(1);
        co_return;
      },
      [&](Context& ctx, NoState&) -> Task {
        if (ctx.isCancelled()) lateTicks.fetch_add(1);
        ticks.fetch_add(1);
        co_return;
      },
      nullptr);
  flow::Report r;
  if (interrupt) {
    REQUIRE(pl.start() == flow::StartStatus::Ok);
    std::this_thread::sleep_for(60ms);
    pl.cancel();
    r = pl.wait();
  } else {
    pl.setDeadline(60ms);
    r = pl.run();
  }
  CHECK(r.exitCode == (interrupt ? 130 : 124));
  CHECK(ticks.load() > 0);
  CHECK(lateTicks.load() == 0);
  CHECK(finals.load() == 2);  // finally still runs on every worker
  CHECK(r.isBalanced());
}
