// pipeline3_mutexcv.cpp — W1's plain-threads peer: one std::thread per stage
// joined by bench::BoundedQueue (mutex + condition variable, capacity 1024),
// the sink on the main thread. The baseline a C++ engineer gets without any
// concurrency library. Prints `checksum S` like pipeline3.flow.
#include <cstdint>
#include <thread>

#include "../common/bounded_queue.h"
#include "../common/peer_args.h"

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 10'000'000);
  bench::BoundedQueue<std::int64_t> nums(1024), odds(1024), kept(1024);

  std::jthread produce([&] {
    for (std::int64_t i = 0; i < n; ++i) nums.push(i);
    nums.close();
  });
  std::jthread scale([&] {
    std::int64_t x;
    while (nums.pop(x)) odds.push(x * 2 + 1);
    odds.close();
  });
  std::jthread dropThirds([&] {
    std::int64_t x;
    while (odds.pop(x)) {
      if (x % 3 != 0) kept.push(x);
    }
    kept.close();
  });

  std::uint64_t sum = 0;
  std::int64_t x;
  while (kept.pop(x)) sum += static_cast<std::uint64_t>(x);
  bench::printChecksum(sum);
}
