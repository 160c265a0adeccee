// worker_pool_tbb.cpp — W2's oneTBB peer: tbb::parallel_pipeline with a serial
// source, a parallel hashing filter and a serial collector. oneTBB's idiom for
// "a pool of W workers" is a concurrency limit, not W threads: the pipeline
// keeps 100 + W items in flight (the jobs buffer plus one per worker) and
// oneTBB's own thread pool (one thread per core) runs the filter, so W = 8
// does not oversubscribe the machine. Prints `checksum S` like worker_pool.flow.
#include <oneapi/tbb/parallel_pipeline.h>

#include <cstdint>

#include "../common/peer_args.h"

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 2'000'000);
  const std::int64_t pool = bench::intFlag(argc, argv, "pool", 2);
  const std::int64_t rounds = bench::intFlag(argc, argv, "rounds", 200);

  std::int64_t next = 0;
  std::uint64_t sum = 0;
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
              tbb::filter_mode::parallel,
              [rounds](std::int64_t job) { return bench::xorshiftRounds(job, rounds); }) &
          tbb::make_filter<std::int64_t, void>(tbb::filter_mode::serial_out_of_order, [&](std::int64_t h) {
            sum += static_cast<std::uint64_t>(h);
          }));
  bench::printChecksum(sum);
}
