// flow/channel_base.h — what every channel has regardless of element type:
// name, capacity, overflow policy, close/cancel, the writer count that closes
// it, and lock-free metrics. Channel<T> (channel.h) adds the buffer and the
// typed send/receive paths.
//
// Close and cancel contract:
//   - close(): no further send succeeds (Closed); values buffered before the
//     close are still received; once drained, receive returns Closed. Every
//     blocked receiver wakes with Closed, every blocked sender with Closed.
//     Idempotent. In a pipeline only the runtime closes a channel, when the
//     last of its writers (counted per writing worker) releases it.
//   - cancel(): every blocked operation wakes with Cancelled and every later
//     one returns Cancelled at once, buffered values included. Idempotent.
// Shutdown recipe: release writers (close) for a clean end; cancel() every
// channel and TimerQueue::cancelAll() to stop a run; then wait for workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "flow/detail/waiter.h"

namespace flow {

enum class Overflow : std::uint8_t { Block, DropNewest, DropOldest };

enum class SendStatus : std::uint8_t {
  Ok,         // delivered or buffered
  Dropped,    // overflow drop_newest discarded it (counted)
  Full,       // try variant only: would have blocked
  Closed,     // the channel is closed
  Timeout,    // the deadline passed first
  Cancelled,  // the run was cancelled
};

enum class RecvStatus : std::uint8_t {
  Ok,         // a value was received
  Empty,      // try variant only: would have blocked
  Closed,     // closed and drained
  Timeout,    // the deadline passed first
  Cancelled,  // the run was cancelled
};

/// A consistent-enough snapshot (each counter is read atomically; the set is
/// not read under one lock).
struct ChannelStats {
  std::string name;
  std::int64_t capacity = 0;
  std::uint64_t sent = 0;      // accepted into the channel
  std::uint64_t received = 0;  // taken out by receivers
  std::uint64_t dropped = 0;   // discarded by drop_newest / drop_oldest
  std::int64_t maxLen = 0;     // highest number buffered at once
  std::int64_t len = 0;        // buffered now
};

class ChannelBase {
 public:
  ChannelBase(std::string name, std::int64_t capacity, Overflow overflow, const std::type_info& type)
      : name_(std::move(name)), capacity_(capacity), overflow_(overflow), type_(type) {}
  virtual ~ChannelBase() = default;
  ChannelBase(const ChannelBase&) = delete;
  ChannelBase& operator=(const ChannelBase&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::int64_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] Overflow overflow() const noexcept { return overflow_; }
  [[nodiscard]] const std::type_info& elementType() const noexcept { return type_; }

  /// Lock-free. Thread-safe. Never blocks.
  [[nodiscard]] std::int64_t len() const noexcept { return len_.load(std::memory_order_relaxed); }
  [[nodiscard]] ChannelStats stats() const;

  /// See the contract above. Thread-safe. Never blocks for long.
  void close() noexcept;
  void cancel() noexcept;
  [[nodiscard]] bool isClosed() const noexcept;

  /// Writer accounting: the channel closes when the count drops to zero.
  void addWriters(std::int64_t n) noexcept { writers_.fetch_add(n, std::memory_order_relaxed); }
  void releaseWriter() noexcept {
    if (writers_.fetch_sub(1, std::memory_order_acq_rel) == 1) close();
  }
  [[nodiscard]] std::int64_t writers() const noexcept { return writers_.load(std::memory_order_acquire); }

 protected:
  /// Pops every node of `q`, claims its waiter, and returns the claimed
  /// waiters; the caller finishes them after dropping mu_. Requires mu_.
  static void claimAll(detail::WaitQueue& q, std::vector<detail::Waiter*>& out);

  void noteSent() noexcept { sent_.fetch_add(1, std::memory_order_relaxed); }
  void noteReceived() noexcept { received_.fetch_add(1, std::memory_order_relaxed); }
  void noteDropped() noexcept { dropped_.fetch_add(1, std::memory_order_relaxed); }
  void noteLen(std::size_t n) noexcept {
    const auto len = static_cast<std::int64_t>(n);
    len_.store(len, std::memory_order_relaxed);
    if (len > maxLen_.load(std::memory_order_relaxed)) maxLen_.store(len, std::memory_order_relaxed);
  }

  // Invariants (whenever mu_ is not held):
  //   - buffered count <= capacity_
  //   - closed_ and cancelled_ never go back to false
  //   - a waiting receiver is queued only while the buffer is empty and no
  //     unclaimed sender waits; a waiting sender only while the buffer is
  //     full (or capacity is 0) and no unclaimed receiver waits. Claimed
  //     (stale) nodes may linger until their owner unlinks them.
  mutable std::mutex mu_;    // Guards the derived buffer, sendq_, recvq_,
                             // closed_, cancelled_. Never call user code or
                             // resume a coroutine while held.
  detail::WaitQueue sendq_;  // blocked senders (typed SendNode<T>)
  detail::WaitQueue recvq_;  // blocked receivers (typed RecvNode<T>)
  bool closed_ = false;
  bool cancelled_ = false;

 private:
  const std::string name_;
  const std::int64_t capacity_;
  const Overflow overflow_;
  const std::type_info& type_;
  std::atomic<std::int64_t> writers_{0};
  // Metrics: written under mu_, read without it.
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::int64_t> len_{0};
  std::atomic<std::int64_t> maxLen_{0};
};

}  // namespace flow
