// flow/channel.h — Channel<T>: a bounded multi-producer multi-consumer FIFO,
// the edge of every Flow pipeline.
// Capacity 0 is a rendezvous (a send completes only when a receiver takes
// the value); capacity N buffers up to N values. When the buffer is full,
// Overflow::Block waits, DropNewest discards the value being sent and
// DropOldest evicts the oldest buffered one; every drop is counted.
// There is one core routine per direction (sendCore / recvCore); the
// blocking, try and deadline variants for plain threads below are thin
// wrappers, and the coroutine variants are in detail/channel_await.h.
// Close/cancel semantics and the invariants are in channel_base.h.
// Does not own threads or timers; a blocked plain thread parks on its own
// condition variable, a blocked coroutine is resumed through its scheduler.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
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
      : ChannelBase(std::move(name), capacity < 0 ? 0 : capacity, overflow, typeid(T)) {}

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
    std::lock_guard<std::mutex> lock(mu_);
    sendq_.remove(&n);
  }
  void unlinkReceiver(detail::WaitNode& n) noexcept {
    std::lock_guard<std::mutex> lock(mu_);
    recvq_.remove(&n);
  }

 private:
  detail::Ring<T> buf_;  // guarded by mu_
};

}  // namespace flow

#include "flow/detail/channel_impl.h"  // IWYU pragma: export
