// sleepers.cpp — W5-style measurement of many cheap sleeping workers:
//   flow_micro_sleepers JOBS WORKERS SLEEP_MS
// JOBS jobs through a capacity-100 channel to WORKERS workers that each
// sleep SLEEP_MS per job, then a counting sink. Prints the wall time; run
// under `/usr/bin/time -f '%e s %M KB'` for peak RSS.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <flow/flow.h>

namespace sleepers {
inline void build(flow::Pipeline& pl, std::int64_t jobs, std::int64_t workers, std::int64_t sleepMs,
                  std::int64_t& count) {
  auto& todo = pl.channel<std::int64_t>("todo", 100);
  auto& done = pl.channel<std::int64_t>("done", 100);
  pl.source("produce", {}, {&todo}, [&todo, jobs](flow::Context& ctx) -> flow::Task {
    for (std::int64_t i = 0; i < jobs; ++i) co_await ctx.send(todo, i);
  });
  pl.stage<std::int64_t>("work", {.workers = workers}, {&todo}, {&done},
                         [&done, sleepMs](flow::Context& ctx, std::int64_t x) -> flow::Task {
                           co_await ctx.sleep(std::chrono::milliseconds(sleepMs));
                           co_await ctx.send(done, x);
                         });
  pl.sink<std::int64_t>("collect", {}, {&done}, [&count](flow::Context&, std::int64_t) -> flow::Task {
    ++count;
    co_return;
  });
}
}  // namespace sleepers

int main(int argc, char** argv) {
  const std::int64_t jobs = argc > 1 ? std::atoll(argv[1]) : 100'000;
  const std::int64_t workers = argc > 2 ? std::atoll(argv[2]) : 10'000;
  const std::int64_t sleepMs = argc > 3 ? std::atoll(argv[3]) : 50;
  std::int64_t count = 0;
  flow::Pipeline pl;
  sleepers::build(pl, jobs, workers, sleepMs, count);
  const auto t0 = std::chrono::steady_clock::now();
  const flow::Report r = pl.run();
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("jobs %lld workers %lld sleep %lldms: %lld done in %.1f ms (exit %d)\n",
              static_cast<long long>(jobs), static_cast<long long>(workers), static_cast<long long>(sleepMs),
              static_cast<long long>(count), ms, r.exitCode);
  return count == jobs ? 0 : 1;
}
