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
      : name_(std::move(name)),
        capacity_(capacity),
        overflow_(overflow),
        type_(type),
        buffered_(capacity > 0 && overflow != Overflow::DropOldest) {}
  virtual ~ChannelBase() = default;
  ChannelBase(const ChannelBase&) = delete;
  ChannelBase& operator=(const ChannelBase&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::int64_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] Overflow overflow() const noexcept { return overflow_; }
  [[nodiscard]] const std::type_info& elementType() const noexcept { return type_; }
  /// True if send/receive take the lock-free ring path (capacity > 0 and
  /// overflow block or drop_newest); false for rendezvous and drop_oldest
  /// channels, which keep every operation under mu_ (see channel.h).
  [[nodiscard]] bool isBuffered() const noexcept { return buffered_; }

  /// Lock-free. Thread-safe. Never blocks.
  [[nodiscard]] std::int64_t len() const noexcept {
    if (!buffered_) return len_.load(std::memory_order_relaxed);
    return ringLen();
  }
  [[nodiscard]] ChannelStats stats() const;

  /// See the contract above. Thread-safe. Never blocks for long.
  void close() noexcept;
  void cancel() noexcept;
  [[nodiscard]] bool isClosed() const noexcept { return closed_.load(std::memory_order_acquire); }

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
  /// Buffered mode: close() with the element type known (Channel<T>).
  virtual void closeBuffered() noexcept = 0;

  void noteSent() noexcept { sent_.fetch_add(1, std::memory_order_relaxed); }
  void noteReceived() noexcept { received_.fetch_add(1, std::memory_order_relaxed); }
  void noteDropped() noexcept { dropped_.fetch_add(1, std::memory_order_relaxed); }
  void noteLen(std::size_t n) noexcept {
    const auto len = static_cast<std::int64_t>(n);
    len_.store(len, std::memory_order_relaxed);
    if (len > maxLen_.load(std::memory_order_relaxed)) maxLen_.store(len, std::memory_order_relaxed);
  }
  /// Buffered mode: tail - head, clamped to [0, capacity] (the two indices
  /// are read one after the other, not as a pair).
  [[nodiscard]] std::int64_t ringLen() const noexcept {
    const std::uint64_t h = cons_.head.load(std::memory_order_acquire);
    const std::uint64_t t = prod_.tail.load(std::memory_order_acquire);
    const auto n = static_cast<std::int64_t>(t - h);  // t read after h: t >= h
    return n < 0 ? 0 : (n > capacity_ ? capacity_ : n);
  }

  // ---- rendezvous / drop_oldest mode ("locked mode") ---------------------
  // Invariants (whenever mu_ is not held):
  //   - buffered count <= capacity_
  //   - closed_ and cancelled_ never go back to false
  //   - a waiting receiver is queued only while the buffer is empty and no
  //     unclaimed sender waits; a waiting sender only while the buffer is
  //     full (or capacity is 0) and no unclaimed receiver waits. Claimed
  //     (stale) nodes may linger until their owner unlinks them.
  // ---- buffered mode -----------------------------------------------------
  // The ring (Channel<T>) is a single-producer single-consumer ring whose
  // two ends are each serialized by their own SpinLock (prod_.lock,
  // cons_.lock), so any number of senders and receivers may use it while a
  // lone sender and a lone receiver (the common pipeline edge) each keep
  // their end's cache line to themselves. head/tail count pops/pushes since
  // creation (so tail - head is the length and they double as the sent /
  // received metrics). Waiting is done under mu_ as in locked mode, with
  // recvWaiting_/sendWaiting_ telling the fast paths that mu_ is needed.
  // Invariants (whenever mu_ is not held):
  //   - 0 <= tail - head <= capacity_
  //   - recvWaiting_ == !recvq_.empty() and sendWaiting_ == !sendq_.empty()
  //   - no unclaimed receiver is queued while the ring holds a value, and no
  //     unclaimed sender while it has room ("settled"), except transiently
  //     between a fast-path push/pop and that party's settle (below).
  // Wake-up protocol (no lost wake-up), Dekker style:
  //   - a waiter queues its node, stores the flag (seq_cst), then re-checks
  //     the ring, loading tail (head) seq_cst (settle, under mu_);
  //   - a fast-path push (pop) stores tail (head) seq_cst, drops its end
  //     lock, then loads recvWaiting_ (sendWaiting_) seq_cst and, if set,
  //     settles under mu_.
  //   All four are in the single seq_cst order, so either the waiter sees
  //   the new value/room or the other party sees the flag. (seq_cst
  //   operations rather than two fences: the same cost on x86 — an xchg per
  //   push/pop instead of an mfence — and ThreadSanitizer understands them.)
  //   The seq_cst stores/loads also give the release/acquire that publishes
  //   a slot's value (tail) and hands a slot back (head).
  // Lock order: mu_, then prod_.lock, then cons_.lock. The fast paths take
  // one end lock and never mu_ while holding it.
  // A spin lock, not a std::mutex: every critical section is a few dozen
  // instructions that never block (waiters are finished after it is
  // dropped), and a pthread mutex pair cost ~100 instructions of the ~1,600
  // of a rendezvous round trip, four times over.
  mutable detail::SpinLock mu_;           // Guards sendq_, recvq_, the locked-mode
                                          // buffer and the transitions of closed_/
                                          // cancelled_ (read lock-free by the buffered
                                          // fast paths). Never call user code or
                                          // resume a coroutine while held.
  detail::WaitQueue sendq_;               // blocked senders (typed SendNode<T>)
  detail::WaitQueue recvq_;               // blocked receivers (typed RecvNode<T>)
  std::atomic<bool> closed_{false};       // buffered: stored under mu_ and prod_.lock
  std::atomic<bool> cancelled_{false};    // stored under mu_
  std::atomic<bool> recvWaiting_{false};  // buffered: == !recvq_.empty(), stored under mu_
  std::atomic<bool> sendWaiting_{false};  // buffered: == !sendq_.empty(), stored under mu_

  /// The producer end: its lock and the push counter, on their own line.
  struct alignas(64) ProducerEnd {
    detail::SpinLock lock;
    std::atomic<std::uint64_t> tail{0};  // pushes so far; stored under lock (seq_cst)
    std::uint64_t cachedHead = 0;        // a past value of cons_.head; guarded by lock
  };
  /// The consumer end, likewise.
  struct alignas(64) ConsumerEnd {
    detail::SpinLock lock;
    std::atomic<std::uint64_t> head{0};  // pops so far; stored under lock (seq_cst)
    std::uint64_t cachedTail = 0;        // a past value of prod_.tail; guarded by lock
  };
  ProducerEnd prod_;
  ConsumerEnd cons_;

  /// Buffered mode: records the fill after a push of index `tail - 1`;
  /// requires prod_.lock. Re-reads head only when the cached one suggests a
  /// new high-water mark, so maxLen is exact and costs nothing once reached.
  void noteFill(std::uint64_t tail) noexcept {
    auto len = static_cast<std::int64_t>(tail - prod_.cachedHead);
    if (len <= maxLen_.load(std::memory_order_relaxed)) return;
    prod_.cachedHead = cons_.head.load(std::memory_order_acquire);
    len = static_cast<std::int64_t>(tail - prod_.cachedHead);
    if (len > maxLen_.load(std::memory_order_relaxed)) maxLen_.store(len, std::memory_order_relaxed);
  }

 private:
  const std::string name_;
  const std::int64_t capacity_;
  const Overflow overflow_;
  const std::type_info& type_;
  const bool buffered_;
  std::atomic<std::int64_t> writers_{0};
  // Metrics, read without a lock. Locked mode: written under mu_. Buffered
  // mode: sent/received are tail/head, maxLen_ is written under prod_.lock,
  // dropped_ by drop_newest senders (fetch_add), len_ unused.
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::int64_t> len_{0};
  std::atomic<std::int64_t> maxLen_{0};
};

}  // namespace flow
