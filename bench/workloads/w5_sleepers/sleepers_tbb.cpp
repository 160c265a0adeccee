// sleepers_tbb.cpp — W5's oneTBB peer: tbb::parallel_pipeline with a serial
// source, a parallel filter that sleeps, and a serial collector, `pool` tokens
// in flight. oneTBB's workers are threads that block in a sleep, so keeping
// `pool` sleeps in flight needs `pool` threads: the peer raises
// global_control::max_allowed_parallelism and runs in a task_arena of that
// concurrency (oversubscription is the only way plain oneTBB task code waits
// without a CPU). Prints `checksum S` (sum of job ids) like sleepers.flow.
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <chrono>
#include <cstdint>
#include <thread>

#include "../common/peer_args.h"

int main(int argc, char** argv) {
  const std::int64_t jobs = bench::intFlag(argc, argv, "jobs", 10'000);
  const std::int64_t pool = bench::intFlag(argc, argv, "pool", 1'000);
  const std::chrono::milliseconds nap(bench::intFlag(argc, argv, "nap_ms", 50));

  // +1: the main thread joins the arena alongside `pool` workers.
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(pool + 1));
  tbb::task_arena arena(static_cast<int>(pool + 1));
  std::int64_t next = 0;
  std::uint64_t sum = 0;
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<std::size_t>(pool),
        tbb::make_filter<void, std::int64_t>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& fc) -> std::int64_t {
              if (next == jobs) {
                fc.stop();
                return 0;
              }
              return next++;
            }) &
            tbb::make_filter<std::int64_t, std::int64_t>(tbb::filter_mode::parallel,
                                                         [nap](std::int64_t job) {
                                                           std::this_thread::sleep_for(nap);
                                                           return job;
                                                         }) &
            tbb::make_filter<std::int64_t, void>(
                tbb::filter_mode::serial_out_of_order,
                [&](std::int64_t job) { sum += static_cast<std::uint64_t>(job); }));
  });
  bench::printChecksum(sum);
}
