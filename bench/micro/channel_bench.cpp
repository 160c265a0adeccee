// channel_bench.cpp — micro-benchmarks of flow::Channel and the scheduler.
//   BM_ThreadSendRecv/cap          one producer thread, one consumer thread
//   BM_CoroutineThroughput/cap/P/C P source workers → one channel → C sink
//                                  workers, all coroutines on the scheduler
//   BM_RendezvousRoundTrip         W4: ping-pong over two capacity-0
//                                  channels between two coroutines
// Each iteration runs a whole transfer of kItems values (pipeline start-up
// included for the coroutine cases); items/s is reported by the library.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <thread>

#include <flow/flow.h>

namespace {

constexpr std::int64_t kItems = 200'000;

void BM_ThreadSendRecv(benchmark::State& state) {
  const auto cap = state.range(0);
  for (auto _ : state) {
    flow::Channel<std::int64_t> ch("c", cap);
    std::thread producer([&] {
      for (std::int64_t i = 0; i < kItems; ++i) (void)ch.send(i);
      ch.close();
    });
    std::int64_t v = 0, sum = 0;
    while (ch.recv(v) == flow::RecvStatus::Ok) sum += v;
    producer.join();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}
BENCHMARK(BM_ThreadSendRecv)
    ->Arg(0)
    ->Arg(1)
    ->Arg(16)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

inline void buildThroughput(flow::Pipeline& pl, std::int64_t cap, std::int64_t producers,
                            std::int64_t consumers, std::atomic<std::int64_t>& sum) {
  auto& ch = pl.channel<std::int64_t>("c", cap);
  const std::int64_t per = kItems / producers;
  pl.source("gen", {.workers = producers}, {&ch}, [&ch, per](flow::Context& ctx) -> flow::Task {
    for (std::int64_t i = 0; i < per; ++i) co_await ctx.send(ch, i);
  });
  pl.sink<std::int64_t, std::int64_t>(
      "sum", {.workers = consumers}, {&ch}, [](flow::Context&) { return std::int64_t{0}; },
      [](flow::Context&, std::int64_t& local, std::int64_t x) -> flow::Task {
        local += x;
        co_return;
      },
      [&sum](flow::Context&, std::int64_t& local) -> flow::Task {
        sum.fetch_add(local);
        co_return;
      });
}

void BM_CoroutineThroughput(benchmark::State& state) {
  for (auto _ : state) {
    std::atomic<std::int64_t> sum{0};
    flow::Pipeline pl;
    buildThroughput(pl, state.range(0), state.range(1), state.range(2), sum);
    const flow::Report r = pl.run();
    benchmark::DoNotOptimize(r.exitCode);
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}
BENCHMARK(BM_CoroutineThroughput)
    ->ArgNames({"cap", "prod", "cons"})
    ->ArgsProduct({{0, 16, 1024}, {1, 4}, {1, 4}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

inline void buildPingPong(flow::Pipeline& pl, std::int64_t n) {
  auto& ping = pl.channel<std::int64_t>("ping", 0);
  auto& pong = pl.channel<std::int64_t>("pong", 0);
  pl.source("pinger", {}, {&ping}, [&ping, &pong, n](flow::Context& ctx) -> flow::Task {
    for (std::int64_t i = 0; i < n; ++i) {
      co_await ctx.send(ping, i);
      (void)co_await ctx.recv(pong);
    }
  });
  pl.source("ponger", {}, {&pong}, [&ping, &pong](flow::Context& ctx) -> flow::Task {
    while (const std::optional<std::int64_t> x = co_await ctx.recv(ping)) co_await ctx.send(pong, *x + 1);
  });
}

void BM_RendezvousRoundTrip(benchmark::State& state) {
  for (auto _ : state) {
    flow::Pipeline pl;
    buildPingPong(pl, kItems);
    const flow::Report r = pl.run();
    benchmark::DoNotOptimize(r.exitCode);
  }
  state.SetItemsProcessed(state.iterations() * kItems);
  state.counters["ns_per_round_trip"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kItems),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RendezvousRoundTrip)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
