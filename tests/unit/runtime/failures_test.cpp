// failures_test.cpp — exit status 3 ("finished with failed items") and its
// precedence, and dead letters that carry their reason (Failed<T>): what a
// route channel of Failed<T> receives, and that a route channel of T still
// receives the item alone.
#include "stage_support.h"
#include "test_support.h"

namespace {

using flowtest::addCounter;
using flowtest::CapturedOutput;
using flowtest::stageNamed;
using flowtest::Watchdog;
using namespace std::chrono_literals;

using Ints = flow::Channel<std::int64_t>;

/// gen (0..n-1) -> check, which fails item 2, -> out -> sink.
flow::Report runFailing(flow::StageOptions opts, std::int64_t n = 5, std::chrono::nanoseconds deadline = {}) {
  flow::Pipeline pl;
  if (deadline.count() > 0) pl.setDeadline(deadline);
  auto& in = pl.channel<std::int64_t>("in", 8);
  auto& out = pl.channel<std::int64_t>("out", 8);
  Ints* dead = nullptr;
  if (opts.onError == flow::OnError::Route) {
    dead = &pl.channel<std::int64_t>("dead", 8);
    opts.routeTo = dead;
    pl.sink<std::int64_t>("dead_letters", {}, {dead}, [](flow::Context&, std::int64_t) {});
  }
  addCounter(pl, in, n);
  pl.stage<std::int64_t>("check", opts, {&in}, {&out}, [&out](flow::Context& ctx, std::int64_t x) {
    if (x == 2) ctx.fail("bad 2");
    ctx.post(out, x);
  });
  pl.sink<std::int64_t>("sink", {}, {&out}, [deadline](flow::Context& ctx, std::int64_t) -> flow::Task {
    if (deadline.count() > 0) co_await ctx.sleep(10s);
  });
  return pl.run();
}

}  // namespace

TEST_CASE("exit status 3: an item failed in a stage without an on_error policy") {
  CapturedOutput out;
  const flow::Report r = runFailing({});
  CHECK(r.exitCode == 3);
  CHECK(stageNamed(r, "check").failed == 1);
  CHECK(out.err() == std::vector<std::string>{"error: stage check: item 2: bad 2"});
}

TEST_CASE("exit status 0 when every failure is handled: an explicit drop, or a route") {
  CapturedOutput out;
  CHECK(runFailing({.onError = flow::OnError::Drop}).exitCode == 0);
  const flow::Report routed = runFailing({.onError = flow::OnError::Route});
  CHECK(routed.exitCode == 0);
  CHECK(stageNamed(routed, "dead_letters").in == 1);
  CHECK(stageNamed(routed, "check").failed == 1);  // still counted and logged
}

TEST_CASE("statuses 1 and 124 take precedence over 3") {
  CapturedOutput out;
  CHECK(runFailing({.onError = flow::OnError::Stop}).exitCode == 1);
  // Item 2 fails unhandled, then the sink sleeps past the deadline.
  const flow::Report late = runFailing({}, 5, 200ms);
  CHECK(stageNamed(late, "check").failed == 1);
  CHECK(late.exitCode == 124);
}

TEST_CASE("a source whose body fails counts like any failed item") {
  CapturedOutput out;
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 8);
  pl.source("gen", {}, {&in}, [&in](flow::Context& ctx) -> flow::Task {
    co_await ctx.send(in, 1);
    ctx.fail("no more input");
  });
  pl.sink<std::int64_t>("sink", {}, {&in}, [](flow::Context&, std::int64_t) {});
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 3);
  CHECK(stageNamed(r, "gen").failed == 1);
  CHECK(out.err() == std::vector<std::string>{"error: stage gen: item 0: no more input"});
}

TEST_CASE("a failing finally counts even with on_error drop: no policy handles it") {
  CapturedOutput out;
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 8);
  addCounter(pl, in, 3);
  struct S {};
  pl.sink<std::int64_t, S>(
      "sink", {.onError = flow::OnError::Drop}, {&in}, [](flow::Context&) { return S{}; },
      [](flow::Context&, S&, std::int64_t) {},
      [](flow::Context& ctx, S&) -> flow::Task {
        ctx.fail("cannot flush");
        co_return;
      });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 3);
  CHECK(out.err() == std::vector<std::string>{"error: stage sink: worker 0: finally: cannot flush"});
}

TEST_CASE("a route channel of Failed<T> receives the item with its error, stage and attempts") {
  Watchdog dog("Failed<T>", 30s);
  CapturedOutput out;
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 8);
  auto& ok = pl.channel<std::int64_t>("ok", 8);
  auto& dead = pl.channel<flow::Failed<std::int64_t>>("dead", 8);
  addCounter(pl, in, 4);
  pl.stage<std::int64_t>("check",
                         {.timeout = 50ms, .retries = 2, .onError = flow::OnError::Route, .routeTo = &dead},
                         {&in}, {&ok}, [&ok](flow::Context& ctx, std::int64_t x) -> flow::Task {
                           if (x == 1) ctx.fail("bad " + std::to_string(x));
                           if (x == 3) co_await ctx.sleep(10s);
                           co_await ctx.send(ok, x);
                         });
  pl.sink<std::int64_t>("good", {}, {&ok}, [](flow::Context&, std::int64_t) {});
  std::vector<flow::Failed<std::int64_t>> letters;
  std::mutex mu;
  pl.sink<flow::Failed<std::int64_t>>("letters", {}, {&dead},
                                      [&](flow::Context&, flow::Failed<std::int64_t> f) {
                                        std::lock_guard<std::mutex> lock(mu);
                                        letters.push_back(std::move(f));
                                      });
  const flow::Report r = pl.run();
  CHECK(r.exitCode == 0);
  REQUIRE(letters.size() == 2);
  std::sort(letters.begin(), letters.end(), [](const auto& a, const auto& b) { return a.item < b.item; });
  CHECK(letters[0] == flow::Failed<std::int64_t>{1, "bad 1", "check", 3});
  CHECK(letters[1] == flow::Failed<std::int64_t>{3, "timed out after 50ms", "check", 3});
  CHECK(flow::str(letters[0]) == R"(Failed{item: 1, error: "bad 1", stage: "check", attempts: 3})");
}

TEST_CASE("a route channel must carry the input type or Failed of it") {
  flow::Pipeline pl;
  auto& in = pl.channel<std::int64_t>("in", 8);
  auto& out = pl.channel<std::int64_t>("out", 8);
  auto& wrong = pl.channel<flow::Failed<std::string>>("wrong", 8);
  addCounter(pl, in, 1);
  pl.stage<std::int64_t>("check", {.onError = flow::OnError::Route, .routeTo = &wrong}, {&in}, {&out},
                         [&out](flow::Context& ctx, std::int64_t x) { ctx.post(out, x); });
  pl.sink<std::int64_t>("a", {}, {&out}, [](flow::Context&, std::int64_t) {});
  pl.sink<flow::Failed<std::string>>("b", {}, {&wrong}, [](flow::Context&, flow::Failed<std::string>) {});
  CHECK(pl.start() == flow::StartStatus::BadConfig);
  CHECK(pl.configError() ==
        "stage `check`: route channel `wrong` carries neither the input type T nor Failed<T>");
}
