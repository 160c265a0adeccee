// rendezvous_chain_mutexcv.cpp — W6's plain-threads peer: a producer thread,
// an incrementing thread and main, over two channels of capacity `cap`: for
// 0, a mutex and two condition variables (common/rendezvous.h, W4's), else
// common/bounded_queue.h. Every hop is a futex sleep and wake across
// threads. Prints `checksum S` = n(n+1)/2.
#include <cstdint>
#include <thread>

#include "../common/bounded_queue.h"
#include "../common/peer_args.h"
#include "../common/rendezvous.h"

namespace {

void send(bench::Rendezvous& ch, std::int64_t v) { ch.send(v); }
std::int64_t recv(bench::Rendezvous& ch) { return ch.recv(); }
void send(bench::BoundedQueue<std::int64_t>& ch, std::int64_t v) { ch.push(v); }
std::int64_t recv(bench::BoundedQueue<std::int64_t>& ch) {
  std::int64_t v = 0;
  ch.pop(v);
  return v;
}

template <class Chan, class... Args>
std::uint64_t chain(std::int64_t n, const Args&... args) {
  Chan nums(args...), incremented(args...);
  std::jthread produce([&] {
    for (std::int64_t i = 0; i < n; ++i) send(nums, i);
  });
  std::jthread inc([&] {
    for (std::int64_t i = 0; i < n; ++i) send(incremented, recv(nums) + 1);
  });
  std::uint64_t sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += static_cast<std::uint64_t>(recv(incremented));
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 1'000'000);
  const std::int64_t capacity = bench::intFlag(argc, argv, "cap", 0);
  const std::uint64_t sum =
      capacity == 0 ? chain<bench::Rendezvous>(n)
                    : chain<bench::BoundedQueue<std::int64_t>>(n, static_cast<std::size_t>(capacity));
  bench::printChecksum(sum);
}
