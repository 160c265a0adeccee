// rendezvous_chain_mutexcv.cpp — W6's plain-threads peer: a producer thread,
// an incrementing thread and main, over two capacity-0 channels built from a
// mutex and two condition variables (common/rendezvous.h, W4's). Every hop
// is a futex sleep and wake across threads. Prints `checksum S` = n(n+1)/2.
#include <cstdint>
#include <thread>

#include "../common/peer_args.h"
#include "../common/rendezvous.h"

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 1'000'000);
  bench::Rendezvous nums, incremented;
  std::jthread produce([&] {
    for (std::int64_t i = 0; i < n; ++i) nums.send(i);
  });
  std::jthread inc([&] {
    for (std::int64_t i = 0; i < n; ++i) incremented.send(nums.recv() + 1);
  });
  std::uint64_t sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += static_cast<std::uint64_t>(incremented.recv());
  bench::printChecksum(sum);
}
