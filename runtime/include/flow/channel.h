// flow/channel.h — Channel<T>: a bounded multi-producer multi-consumer FIFO,
// the edge of every Flow pipeline.
// Capacity 0 is a rendezvous (a send completes only when a receiver takes
// the value); capacity N buffers up to N values. When the buffer is full,
// Overflow::Block waits, DropNewest discards the value being sent and
// DropOldest evicts the oldest buffered one; every drop is counted.
// Two modes, fixed at construction (ChannelBase::isRingMode()):
//   - ring mode (capacity > 32, overflow block or drop_newest): a ring whose
//     ends each have their own spin lock; a send that finds room and a
//     receive that finds a value touch only their end (tens of
//     instructions, no mutex) and take mu_ only when the other side is
//     parked. Parking, select, close and cancel go through mu_.
//   - locked mode (capacity 0 to 32, drop_oldest at any capacity): every operation under mu_,
//     Go's hchan design, values handed straight from sender to receiver.
// Every path is in ChannelBase (channel_base.h), compiled once in the
// runtime library and moving elements through ElemOps; this class only
// fixes the element type. The coroutine awaitables are in
// detail/channel_await.h. Close/cancel semantics, the invariants and the
// wake-up protocol are in channel_base.h.
// Does not own threads or timers; a blocked plain thread parks on its own
// condition variable, a blocked coroutine is resumed through its scheduler.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "flow/channel_base.h"

namespace flow {

template <class T>
class Channel final : public ChannelBase {
  static_assert(std::is_default_constructible_v<T> && std::is_nothrow_move_assignable_v<T> &&
                    std::is_nothrow_move_constructible_v<T>,
                "a channel element is default constructible and nothrow movable");

 public:
  Channel(std::string name, std::int64_t capacity, Overflow overflow = Overflow::Block,
          ChannelMode mode = ChannelMode::Auto)
      : ChannelBase(std::move(name), capacity, overflow, typeid(T), detail::ElemOpsFor<T>::kOps, mode) {}

  // ---- plain-thread API (host programs, tests) -------------------------
  /// Waits until the value is accepted, the channel is closed, or it is
  /// cancelled. Thread-safe. May block. Never allocates unless the buffer grows.
  [[nodiscard]] SendStatus send(T value) { return ChannelBase::sendUntil(&value, kNoDeadline); }
  /// Never blocks: Full instead of waiting. Thread-safe.
  [[nodiscard]] SendStatus trySend(T value) {
    SendStatus st{};
    (void)sendCore(&value, nullptr, st);
    return st;
  }
  /// As send(), but gives up with Timeout at `deadline`. Thread-safe. May block.
  [[nodiscard]] SendStatus sendUntil(T value, Deadline deadline) {
    return ChannelBase::sendUntil(&value, deadline);
  }

  /// Waits for a value until one arrives, the channel is closed and drained,
  /// `deadline` passes or the channel is cancelled. On Ok `out` holds the
  /// value. Thread-safe. May block. Never allocates.
  [[nodiscard]] RecvStatus recvUntil(T& out, Deadline deadline) {
    std::optional<T> slot;
    const RecvStatus st = ChannelBase::recvUntil(&slot, deadline);
    if (st == RecvStatus::Ok) out = std::move(*slot);
    return st;
  }
  [[nodiscard]] RecvStatus recv(T& out) { return recvUntil(out, kNoDeadline); }
  /// Never blocks: Empty instead of waiting. Thread-safe.
  [[nodiscard]] RecvStatus tryRecv(T& out) {
    std::optional<T> slot;
    detail::RecvNode node;
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
                           std::uint64_t& firstTicket) {
    if (max > 64) max = 64;
    const std::size_t old = out.size();
    out.resize(old + max);
    const std::size_t n = ChannelBase::tryRecvBatch(out.data() + old, max, tickets, firstTicket);
    out.resize(old + n);
    return n;
  }
  /// Batchable channels only (isBatchable()): see ChannelBase::trySendBatch.
  std::size_t trySendBatch(T* values, std::size_t n, SendStatus& st) {
    return ChannelBase::trySendBatch(values, n, st);
  }
};

}  // namespace flow
