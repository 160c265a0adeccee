// ping_pong_mutexcv.cpp — W4's plain-threads peer: two capacity-0 channels
// built from a mutex and two condition variables (a Go-style rendezvous: the
// sender waits until its value is taken), main pings i, a ponger thread
// answers i+1. Every hop is a futex sleep and wake across threads, which is
// what the round trip measures. Prints `checksum S` = n(n+1)/2.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "../common/peer_args.h"

namespace {

/// An unbuffered channel for one sender and one receiver.
class Rendezvous {
 public:
  /// Returns once the receiver has taken `v`. Thread-safe. May block.
  void send(std::int64_t v) {
    std::unique_lock lock(mu_);
    slot_ = v;
    full_ = true;
    const std::uint64_t ticket = taken_;
    filled_.notify_one();
    emptied_.wait(lock, [&] { return taken_ != ticket; });
  }

  /// Waits for a sender and takes its value. Thread-safe. May block.
  std::int64_t recv() {
    std::unique_lock lock(mu_);
    filled_.wait(lock, [&] { return full_; });
    full_ = false;
    ++taken_;
    const std::int64_t v = slot_;
    lock.unlock();
    emptied_.notify_one();
    return v;
  }

 private:
  std::mutex mu_;                    // Guards every field below.
  std::condition_variable filled_;   // receiver waits for full_
  std::condition_variable emptied_;  // sender waits for its value to be taken
  std::int64_t slot_ = 0;
  bool full_ = false;
  std::uint64_t taken_ = 0;  // values taken so far; the sender's ticket
};

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 1'000'000);
  Rendezvous ping, pong;
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
