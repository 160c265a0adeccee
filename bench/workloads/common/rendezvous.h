// rendezvous.h — the mutex+cv peers' capacity-0 channel (W4, W6): a mutex and
// two condition variables, Go-style: the sender waits until its value is
// taken. One sender and one receiver; no close (the peers know their counts).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace bench {

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

}  // namespace bench
