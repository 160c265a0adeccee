// ping_pong_tbb.cpp — W4's oneTBB peer. oneTBB has no unbuffered channel
// (concurrent_bounded_queue with capacity 0 never accepts a push), so the
// nearest equivalent is two concurrent_bounded_queue of capacity 1: in a
// ping-pong each side waits for the answer anyway, so the round trip is the
// same hand-off, through oneTBB's spin-then-sleep blocking push/pop. Main
// pings i, a ponger thread answers i+1. Prints `checksum S` = n(n+1)/2.
#include <oneapi/tbb/concurrent_queue.h>

#include <cstdint>
#include <thread>

#include "../common/peer_args.h"

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 1'000'000);
  tbb::concurrent_bounded_queue<std::int64_t> ping, pong;
  ping.set_capacity(1);
  pong.set_capacity(1);
  std::jthread ponger([&] {
    std::int64_t x;
    for (std::int64_t i = 0; i < n; ++i) {
      ping.pop(x);
      pong.push(x + 1);
    }
  });
  std::uint64_t sum = 0;
  std::int64_t answer;
  for (std::int64_t i = 0; i < n; ++i) {
    ping.push(i);
    pong.pop(answer);
    sum += static_cast<std::uint64_t>(answer);
  }
  bench::printChecksum(sum);
}
