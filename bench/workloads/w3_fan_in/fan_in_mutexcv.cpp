// fan_in_mutexcv.cpp — W3's plain-threads peer: four producer threads, each
// with its own capacity-1024 ring, merged by the consumer on main. Without a
// `select`, the plain way to wait on "any of four queues" is to put the four
// rings under one mutex with one not-empty condition variable for the
// consumer and one not-full condition variable per producer (a producer only
// ever waits for its own ring). The consumer takes from the rings round-robin
// so no producer starves. Prints `checksum S` like fan_in.flow.
#include <array>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "../common/peer_args.h"

namespace {

constexpr std::size_t kSources = 4;
constexpr std::size_t kCapacity = 1024;

class FanIn {
 public:
  /// Blocks while ring k is full. Thread-safe. May block. Never allocates.
  void push(std::size_t k, std::int64_t v) {
    std::unique_lock lock(mu_);
    Ring& r = rings_[k];
    while (r.size == kCapacity) {
      r.producerWaiting = true;
      r.notFull.wait(lock);
      r.producerWaiting = false;
    }
    r.buf[(r.head + r.size) % kCapacity] = v;  // kCapacity is a power of 2: a mask, not a division
    ++r.size;
    ++total_;
    const bool wake = consumerWaiting_;
    lock.unlock();
    if (wake) notEmpty_.notify_one();
  }

  /// One ring's owner is done. Thread-safe; call once per ring.
  void producerDone() {
    {
      std::lock_guard lock(mu_);
      ++closed_;
    }
    notEmpty_.notify_one();
  }

  /// Takes one item from any ring; false once every ring is closed and empty.
  /// Thread-safe for one consumer. May block. Never allocates.
  bool pop(std::int64_t& out) {
    std::unique_lock lock(mu_);
    while (total_ == 0 && closed_ < kSources) {
      consumerWaiting_ = true;
      notEmpty_.wait(lock);
      consumerWaiting_ = false;
    }
    if (total_ == 0) return false;
    while (rings_[next_].size == 0) next_ = (next_ + 1) % kSources;
    Ring& r = rings_[next_];
    next_ = (next_ + 1) % kSources;
    out = r.buf[r.head];
    r.head = (r.head + 1) % kCapacity;
    --r.size;
    --total_;
    const bool wake = r.producerWaiting;
    lock.unlock();
    if (wake) r.notFull.notify_one();
    return true;
  }

 private:
  struct Ring {
    std::array<std::int64_t, kCapacity> buf{};
    std::size_t head = 0;
    std::size_t size = 0;
    bool producerWaiting = false;  // only the ring's own producer waits on it
    std::condition_variable notFull;
  };
  // Invariant (whenever mu_ is not held): total_ == sum of rings_[k].size.
  std::mutex mu_;  // Guards every field below.
  std::condition_variable notEmpty_;
  std::array<Ring, kSources> rings_;
  std::size_t total_ = 0;
  std::size_t closed_ = 0;  // rings whose producer is done
  std::size_t next_ = 0;    // round-robin start for the consumer
  bool consumerWaiting_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 8'000'000);
  const std::int64_t per = n / 4;
  auto merged = std::make_unique<FanIn>();

  std::vector<std::jthread> producers;
  for (std::size_t k = 0; k < kSources; ++k) {
    producers.emplace_back([&merged, per, k] {
      const std::int64_t base = static_cast<std::int64_t>(k) * per;
      for (std::int64_t i = 0; i < per; ++i) merged->push(k, base + i);
      merged->producerDone();
    });
  }

  std::uint64_t sum = 0;
  std::int64_t x;
  while (merged->pop(x)) sum += static_cast<std::uint64_t>(x);
  bench::printChecksum(sum);
}
