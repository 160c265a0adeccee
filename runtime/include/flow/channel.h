// flow/channel.h — Channel<T>: a bounded multi-producer multi-consumer FIFO,
// the edge of every Flow pipeline.
// Capacity 0 is a rendezvous (a send completes only when a receiver takes
// the value); capacity N buffers up to N values. When the buffer is full,
// Overflow::Block waits, DropNewest discards the value being sent and
// DropOldest evicts the oldest buffered one; every drop is counted.
// There is one core routine per direction (sendCore / recvCore); the
// blocking, try and deadline variants for plain threads below are thin
// wrappers, and the coroutine variants are in detail/channel_await.h.
// Two modes, fixed at construction (ChannelBase::isBuffered()):
//   - buffered (capacity > 0, overflow block or drop_newest): a ring whose
//     ends each have their own spin lock; a send that finds room and a
//     receive that finds a value touch only their end (tens of
//     instructions, no mutex) and take mu_ only when the other side is
//     parked. Parking, select, close and cancel go through mu_.
//   - locked (rendezvous, drop_oldest): every operation under mu_, Go's
//     hchan design, values handed straight from sender to receiver.
// Close/cancel semantics, the invariants and the wake-up protocol are in
// channel_base.h.
// Does not own threads or timers; a blocked plain thread parks on its own
// condition variable, a blocked coroutine is resumed through its scheduler.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "flow/channel_base.h"
#include "flow/detail/ring.h"
#include "flow/detail/waiter.h"

namespace flow {

namespace detail {
template <class T>
struct SendNode : WaitNode {
  T* value = nullptr;  // moved from by the receiver that claims the waiter
};
template <class T>
struct RecvNode : WaitNode {
  std::optional<T>* slot = nullptr;                     // filled by the claimer
  std::atomic<std::uint64_t>* ticketCounter = nullptr;  // optional sequence source
  std::uint64_t ticket = 0;                             // drawn at delivery, under the lock
  void deliver(T&& v) {
    slot->emplace(std::move(v));
    if (ticketCounter != nullptr) ticket = ticketCounter->fetch_add(1, std::memory_order_relaxed);
  }
};
/// Outcome of a core routine.
enum class Core : std::uint8_t {
  Done,    // finished; the status is set
  Queued,  // the node was queued; wait for its waiter to be finished
  Lost,    // (select) our waiter was already claimed elsewhere; wait for it
  Retry,   // we claimed our own waiter but only stale senders were queued;
           // nobody will finish it: start over with a fresh waiter
};
inline SendStatus toSendStatus(Wake w) noexcept {
  switch (w) {
    case Wake::Ok:
      return SendStatus::Ok;
    case Wake::Closed:
      return SendStatus::Closed;
    case Wake::Timeout:
      return SendStatus::Timeout;
    case Wake::Cancelled:
      return SendStatus::Cancelled;
    case Wake::Pending:
      break;
  }
  return SendStatus::Cancelled;  // unreachable: a woken waiter has a reason
}
inline RecvStatus toRecvStatus(Wake w) noexcept {
  switch (w) {
    case Wake::Ok:
      return RecvStatus::Ok;
    case Wake::Closed:
      return RecvStatus::Closed;
    case Wake::Timeout:
      return RecvStatus::Timeout;
    case Wake::Cancelled:
      return RecvStatus::Cancelled;
    case Wake::Pending:
      break;
  }
  return RecvStatus::Cancelled;
}
}  // namespace detail

template <class T>
class Channel final : public ChannelBase {
 public:
  Channel(std::string name, std::int64_t capacity, Overflow overflow = Overflow::Block)
      : ChannelBase(std::move(name), capacity < 0 ? 0 : capacity, overflow, typeid(T)) {
    if (isBuffered()) {
      std::uint64_t n = 1;  // the ring starts small and grows to capacity on demand
      while (n < kInitialSlots && n < static_cast<std::uint64_t>(this->capacity())) n *= 2;
      slots_ = std::make_unique<T[]>(n);
      mask_ = n - 1;
    }
  }

  // ---- plain-thread API (host programs, tests) -------------------------
  /// Waits until the value is accepted, the channel is closed, or it is
  /// cancelled. Thread-safe. May block. Never allocates unless the buffer grows.
  [[nodiscard]] SendStatus send(T value) { return sendUntil(std::move(value), kNoDeadline); }
  /// Never blocks: Full instead of waiting. Thread-safe.
  [[nodiscard]] SendStatus trySend(T value) {
    SendStatus st{};
    (void)sendCore(value, nullptr, st);
    return st;
  }
  /// As send(), but gives up with Timeout at `deadline`. Thread-safe. May block.
  [[nodiscard]] SendStatus sendUntil(T value, Deadline deadline);

  /// Waits for a value until one arrives, the channel is closed and drained,
  /// `deadline` passes or the channel is cancelled. On Ok `out` holds the
  /// value. Thread-safe. May block. Never allocates.
  [[nodiscard]] RecvStatus recvUntil(T& out, Deadline deadline);
  [[nodiscard]] RecvStatus recv(T& out) { return recvUntil(out, kNoDeadline); }
  /// Never blocks: Empty instead of waiting. Thread-safe.
  [[nodiscard]] RecvStatus tryRecv(T& out) {
    std::optional<T> slot;
    detail::RecvNode<T> node;
    node.slot = &slot;
    RecvStatus st{};
    (void)recvCore(node, false, st);
    if (st == RecvStatus::Ok) out = std::move(*slot);
    return st;
  }

  /// Takes up to `max` (<= 64) values without waiting, appending them to
  /// `out`, and draws consecutive sequence numbers from `tickets` (the first
  /// in `firstTicket`). Returns how many; 0 when empty, closed or cancelled.
  /// Thread-safe. Never blocks. Allocates only if `out` must grow.
  std::size_t tryRecvBatch(std::vector<T>& out, std::size_t max, std::atomic<std::uint64_t>* tickets,
                           std::uint64_t& firstTicket);

  /// True if trySendBatch() applies: buffered with overflow Block (a
  /// drop policy decides per value, a rendezvous has no ring).
  [[nodiscard]] bool isBatchable() const noexcept { return isBuffered() && overflow() == Overflow::Block; }
  /// Batchable channels only. Pushes `values[0, n)` in order while there is
  /// room, under one producer-lock acquisition and with one tail publish
  /// (one seq_cst store) for the lot, moving from the values it pushes.
  /// Returns how many it pushed: a prefix, fewer than `n` when the ring
  /// fills or senders are already queued (they go first, as with send).
  /// `st` is Ok (whatever the count), Closed or Cancelled (nothing pushed).
  /// Thread-safe. Never blocks. Allocates only if the ring grows.
  std::size_t trySendBatch(T* values, std::size_t n, SendStatus& st);
  /// Buffered mode: true if a receiver is parked here (a hint, read without
  /// a lock: a batching sender pushes at once rather than keep it idle).
  [[nodiscard]] bool hasParkedReceiver() const noexcept {
    return recvWaiting_.load(std::memory_order_relaxed);
  }

  // ---- core routines (used by the awaitables and select) ---------------
  /// Tries to send `v`; if it would block and `node` is non-null, queues
  /// `node` (whose waiter must be prepared) and returns Core::Queued.
  detail::Core sendCore(T& v, detail::SendNode<T>* node, SendStatus& st);
  /// Tries to receive into `me.slot`. With `mayWait`, `me.waiter` is set and
  /// may already be queued on other channels: it is claimed before a value
  /// is taken (Core::Lost if someone else claimed it first), and `me` is
  /// queued if nothing is available.
  detail::Core recvCore(detail::RecvNode<T>& me, bool mayWait, RecvStatus& st);
  /// Removes a node that may still be queued (after a timeout or cancel).
  void unlinkSender(detail::WaitNode& n) noexcept {
    std::lock_guard<detail::SpinLock> lock(mu_);
    sendq_.remove(&n);
    sendWaiting_.store(!sendq_.empty(), std::memory_order_relaxed);
  }
  void unlinkReceiver(detail::WaitNode& n) noexcept {
    std::lock_guard<detail::SpinLock> lock(mu_);
    recvq_.remove(&n);
    recvWaiting_.store(!recvq_.empty(), std::memory_order_relaxed);
  }

 private:
  static constexpr std::uint64_t kInitialSlots = 16;

  /// Waiters claimed under mu_, finished after it is dropped.
  struct Woken {
    static constexpr int kMax = 16;
    detail::Waiter* waiter[kMax];
    detail::Wake why[kMax];
    int which[kMax];
    int n = 0;
    [[nodiscard]] bool full() const noexcept { return n == kMax; }
    void add(detail::Waiter* w, detail::Wake y, int wh) noexcept {
      waiter[n] = w;
      why[n] = y;
      which[n] = wh;
      ++n;
    }
    /// The wakers of a buffered channel keep running (a producer keeps
    /// producing), so the woken go to the shared queue, where an idle thread
    /// takes them at once, rather than waiting in the waker's run-next
    /// (W3 fan-in: -8% wall). Rendezvous hand-offs keep the run-next.
    void finishAll() noexcept {
      for (int i = 0; i < n; ++i) waiter[i]->finishAndSpread(why[i], which[i]);
    }
  };

  // ---- buffered mode (see channel_base.h for the protocol) -------------
  detail::Core sendBuffered(T& v, detail::SendNode<T>* node, SendStatus& st);
  detail::Core recvBuffered(detail::RecvNode<T>& me, bool mayWait, RecvStatus& st);
  void closeBuffered() noexcept override;
  /// Requires prod_.lock. True if a push would succeed (growing the ring
  /// on the way if needed).
  bool roomLocked() noexcept;
  /// Requires prod_.lock. Pushes `v` if there is room; else leaves it intact.
  bool pushLocked(T& v);
  /// Requires prod_.lock. Pushes as many of `values[0, n)` as fit (a
  /// prefix) with one tail store; returns how many.
  std::size_t pushBatchLocked(T* values, std::size_t n);
  /// Requires prod_.lock; takes cons_.lock. Doubles the ring (still below
  /// capacity).
  void growLocked();
  /// Requires cons_.lock.
  bool hasValueLocked() noexcept;
  /// Requires cons_.lock and hasValueLocked().
  T popLocked() noexcept(std::is_nothrow_move_constructible_v<T>);
  /// The second half of the wake-up protocol, after a push / pop has
  /// dropped its end lock.
  void afterPush() noexcept {
    if (recvWaiting_.load(std::memory_order_seq_cst)) settle();  // after the seq_cst tail store
  }
  void afterPop() noexcept {
    if (sendWaiting_.load(std::memory_order_seq_cst)) settle();  // after the seq_cst head store
  }
  /// Takes mu_ and settles (below), finishing what it claimed.
  void settle() noexcept;
  /// Requires mu_. Moves queued senders' values into the ring while it has
  /// room, hands ring values to queued receivers while it has values, and,
  /// once closed and drained, claims the remaining receivers with Closed;
  /// updates the waiting flags. A node equal to `self` is not added to `w`
  /// (its owner is the caller): `selfDone` is set instead. Returns true if
  /// it stopped because `w` is full (call again after finishing `w`).
  bool settleLocked(Woken& w, detail::WaitNode* self, bool& selfDone) noexcept;

  std::unique_ptr<T[]> slots_;  // buffered: the ring; read under either end
                                // lock, replaced only while holding both
  std::uint64_t mask_ = 0;      // slots - 1 (a power of two); as slots_
  detail::Ring<T> buf_;         // locked mode: guarded by mu_
};

}  // namespace flow

#include "flow/detail/channel_impl.h"  // IWYU pragma: export
