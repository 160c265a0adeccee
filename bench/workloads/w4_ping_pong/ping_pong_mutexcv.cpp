// ping_pong_mutexcv.cpp — W4's plain-threads peer: two capacity-0 channels
// built from a mutex and two condition variables (a Go-style rendezvous: the
// sender waits until its value is taken), main pings i, a ponger thread
// answers i+1. Every hop is a futex sleep and wake across threads, which is
// what the round trip measures. Prints `checksum S` = n(n+1)/2.
#include <cstdint>
#include <thread>

#include "../common/peer_args.h"
#include "../common/rendezvous.h"

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 1'000'000);
  bench::Rendezvous ping, pong;
  std::jthread ponger([&] {
    for (std::int64_t i = 0; i < n; ++i) pong.send(ping.recv() + 1);
  });
  std::uint64_t sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    ping.send(i);
    sum += static_cast<std::uint64_t>(pong.recv());
  }
  bench::printChecksum(sum);
}
