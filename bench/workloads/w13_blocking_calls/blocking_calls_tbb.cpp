// blocking_calls_tbb.cpp — W13's oneTBB peer: tbb::parallel_pipeline with a
// serial source, a parallel filter that makes the blocking call and a serial
// collector, run in a task_arena of `pool` threads. oneTBB's pool has one
// thread per core, and a blocked task keeps its thread; its idiom for
// blocking work is to ask for more threads up front (global_control and an
// arena of the size wanted). Prints `checksum S` like blocking_calls.flow.
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <cstdint>

#include "../common/peer_args.h"
#include "block_call.hpp"

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 200);
  const std::int64_t pool = bench::intFlag(argc, argv, "pool", 50);
  const std::int64_t ms = bench::intFlag(argc, argv, "ms", 20);

  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(pool));
  tbb::task_arena arena(static_cast<int>(pool));
  std::int64_t next = 0;
  std::uint64_t sum = 0;
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<std::size_t>(100 + pool),
        tbb::make_filter<void, std::int64_t>(tbb::filter_mode::serial_in_order,
                                             [&](tbb::flow_control& fc) -> std::int64_t {
                                               if (next == n) {
                                                 fc.stop();
                                                 return 0;
                                               }
                                               return next++;
                                             }) &
            tbb::make_filter<std::int64_t, std::int64_t>(
                tbb::filter_mode::parallel, [ms](std::int64_t job) { return block_call(job, ms); }) &
            tbb::make_filter<std::int64_t, void>(tbb::filter_mode::serial_out_of_order, [&](std::int64_t r) {
              sum += static_cast<std::uint64_t>(r);
            }));
  });
  bench::printChecksum(sum);
}
