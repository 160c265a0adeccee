// sleepers_mutexcv.cpp — W5's plain-threads peer: `pool` std::threads (one per
// worker, as a plain C++ pool must have to keep `pool` sleeps in flight), a
// capacity-100 jobs queue and a capacity-100 done queue (bench::BoundedQueue),
// the collector on main. Threads keep the default attributes (8 MiB of
// reserved stack, of which only touched pages count in RSS). Prints
// `checksum S` (sum of job ids) like sleepers.flow.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "../common/bounded_queue.h"
#include "../common/peer_args.h"

int main(int argc, char** argv) {
  const std::int64_t jobs = bench::intFlag(argc, argv, "jobs", 10'000);
  const std::int64_t pool = bench::intFlag(argc, argv, "pool", 1'000);
  const std::chrono::milliseconds nap(bench::intFlag(argc, argv, "nap_ms", 50));
  bench::BoundedQueue<std::int64_t> todo(100), done(100);

  std::jthread produce([&] {
    for (std::int64_t i = 0; i < jobs; ++i) todo.push(i);
    todo.close();
  });
  std::atomic<std::int64_t> running{pool};
  std::vector<std::jthread> workers;
  workers.reserve(static_cast<std::size_t>(pool));
  for (std::int64_t w = 0; w < pool; ++w) {
    workers.emplace_back([&] {
      std::int64_t job;
      while (todo.pop(job)) {
        std::this_thread::sleep_for(nap);
        done.push(job);
      }
      if (running.fetch_sub(1) == 1) done.close();  // the last worker closes
    });
  }

  std::uint64_t sum = 0;
  std::int64_t job;
  while (done.pop(job)) sum += static_cast<std::uint64_t>(job);
  bench::printChecksum(sum);
}
