// blocking_calls_mutexcv.cpp — W13's plain-threads peer: a producer thread,
// `pool` worker threads (each blocked in its call, as a thread-per-request
// server would be) and the collector on main, joined by two capacity-100
// bench::BoundedQueue (mutex + condition variable). The last worker to
// finish closes the results queue. Prints `checksum S` like blocking_calls.flow.
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "../common/bounded_queue.h"
#include "../common/peer_args.h"
#include "block_call.hpp"

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 200);
  const std::int64_t pool = bench::intFlag(argc, argv, "pool", 50);
  const std::int64_t ms = bench::intFlag(argc, argv, "ms", 20);
  bench::BoundedQueue<std::int64_t> jobs(100), results(100);

  std::jthread produce([&] {
    for (std::int64_t i = 0; i < n; ++i) jobs.push(i);
    jobs.close();
  });
  std::atomic<std::int64_t> running{pool};
  std::vector<std::jthread> workers;
  for (std::int64_t w = 0; w < pool; ++w) {
    workers.emplace_back([&] {
      std::int64_t job;
      while (jobs.pop(job)) results.push(block_call(job, ms));
      if (running.fetch_sub(1) == 1) results.close();  // the owner closes, once
    });
  }

  std::uint64_t sum = 0;
  std::int64_t r;
  while (results.pop(r)) sum += static_cast<std::uint64_t>(r);
  bench::printChecksum(sum);
}
