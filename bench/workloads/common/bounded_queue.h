// bounded_queue.h — the "plain mutex + condition variable" channel every
// mutex+cv peer uses: a fixed ring buffer, one mutex, one condition variable
// per direction, and Go-like close (the owner closes; receivers drain what is
// left, then see Closed). Written the way a careful engineer would without a
// lock-free library: waiters are counted so a send or receive only notifies
// when the other side is actually asleep, and notification happens after the
// lock is dropped so the woken thread does not immediately block on it.
// Does not support capacity 0 (W4's rendezvous peer has its own handshake).
#pragma once

#include <cassert>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

namespace bench {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : ring_(capacity) {
    assert(capacity > 0 && "BoundedQueue needs capacity >= 1");
  }

  /// Blocks while full. Returns false (and drops `v`) if the queue is closed.
  /// Thread-safe. May block. Never allocates.
  bool push(T v) {
    std::unique_lock lock(mu_);
    while (size_ == ring_.size() && !closed_) {
      ++waitingPushers_;
      notFull_.wait(lock);
      --waitingPushers_;
    }
    if (closed_) return false;
    ring_[tail_] = std::move(v);
    if (++tail_ == ring_.size()) tail_ = 0;  // no division on the hot path
    ++size_;
    const bool wake = waitingPoppers_ > 0;
    lock.unlock();
    if (wake) notEmpty_.notify_one();
    return true;
  }

  /// Blocks while empty and open. Returns false once closed and drained.
  /// Thread-safe. May block. Never allocates.
  bool pop(T& out) {
    std::unique_lock lock(mu_);
    while (size_ == 0 && !closed_) {
      ++waitingPoppers_;
      notEmpty_.wait(lock);
      --waitingPoppers_;
    }
    if (size_ == 0) return false;
    out = std::move(ring_[head_]);
    if (++head_ == ring_.size()) head_ = 0;
    --size_;
    const bool wake = waitingPushers_ > 0;
    lock.unlock();
    if (wake) notFull_.notify_one();
    return true;
  }

  /// Wakes every waiter; later pushes fail, pops drain then fail.
  /// Thread-safe. Call once, from the owner, after its last push.
  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    notEmpty_.notify_all();
    notFull_.notify_all();
  }

 private:
  // Invariants (whenever mu_ is not held): size_ <= ring_.size();
  // closed_ never goes back to false.
  std::mutex mu_;  // Guards every field below.
  std::condition_variable notEmpty_;
  std::condition_variable notFull_;
  std::vector<T> ring_;
  std::size_t head_ = 0;  // index of the oldest element
  std::size_t tail_ = 0;  // index the next push writes
  std::size_t size_ = 0;
  int waitingPushers_ = 0;
  int waitingPoppers_ = 0;
  bool closed_ = false;
};

}  // namespace bench
