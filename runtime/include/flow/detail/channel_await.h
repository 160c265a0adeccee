// flow/detail/channel_await.h — the coroutine side of channels: awaitables
// for send, receive (from one channel or several — fan-in) and sleep.
// On ring-mode channels each tries the non-blocking path in await_ready;
// only when it would block does it queue a waiter, arm the timer for its
// deadline, and suspend. On locked-mode channels (capacity up to
// kLockedUpTo, drop_oldest) a try would cost the same lock as queueing, so await_suspend does both in
// one pass, and without a deadline with an exclusive waiter (waiter.h). The
// awaiter object lives in the coroutine frame while suspended, so queued
// nodes and the value being sent never move. Results are status values;
// turning them into exceptions is Context's job (context.h).
// Like the channel paths, they are element-type erased (the value to send
// and the std::optional<T> to receive into are owned by the caller) and
// compiled once, in the runtime library (runtime/src/channel_await.cpp).
#pragma once

#include <coroutine>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "flow/channel_base.h"
#include "flow/detail/scheduler.h"
#include "flow/detail/timer.h"

namespace flow::detail {

/// Sends `*value` (a T the caller keeps alive and in place until the
/// awaiter is done) on `ch`.
class SendAwaiter {
 public:
  /// `counted`: the value already found the channel full once and was
  /// counted then (ChannelBase::noteWaitedSends); a wait now is not a new one.
  SendAwaiter(ChannelBase& ch, void* value, Deadline deadline, TimerQueue* timers,
              bool counted = false) noexcept
      : ch_(ch), value_(value), deadline_(deadline), timers_(timers) {
    node_.counted = counted;
  }

  SendAwaiter(const SendAwaiter&) = delete;  // a queued node points into *this
  SendAwaiter& operator=(const SendAwaiter&) = delete;

  // Ring mode: the synchronous fast path, a send that finds room (or is
  // dropped / refused) completes here without touching the waiter or the
  // coroutine frame's suspend machinery; only Full suspends. Locked mode
  // skips it: there a try costs the same mu_
  // round trip as the pass in await_suspend, which tries and, if it must,
  // queues in one go (without a deadline with an exclusive waiter, waiter.h).
  bool await_ready() {
    if (!ch_.isRingMode()) return false;
    (void)ch_.sendCore(value_, nullptr, st_);  // leaves the value intact when Full
    return st_ != SendStatus::Full;
  }
  bool await_suspend(std::coroutine_handle<> h);
  SendStatus await_resume() {
    if (!queued_) return st_;  // completed in await_ready or await_suspend
    return finishQueued();
  }

 private:
  SendStatus finishQueued();

  ChannelBase& ch_;
  void* value_;
  Deadline deadline_;
  TimerQueue* timers_;
  SendStatus st_ = SendStatus::Ok;
  bool queued_ = false;
  bool armed_ = false;
  Waiter waiter_;
  SendNode node_;
};

/// One flag per input: a bit mask up to 64 inputs (no allocation, one
/// store to construct), a heap array beyond.
class QueuedFlags {
 public:
  explicit QueuedFlags(std::size_t n) {
    if (n > 64) heap_.resize((n + 63) / 64, 0);
  }
  bool operator[](std::size_t i) const {
    const std::uint64_t word = heap_.empty() ? bits_ : heap_[i / 64];
    return ((word >> (i % 64)) & 1U) != 0;
  }
  void set(std::size_t i) {
    std::uint64_t& word = heap_.empty() ? bits_ : heap_[i / 64];
    word |= std::uint64_t{1} << (i % 64);
  }

 private:
  std::uint64_t bits_ = 0;
  std::vector<std::uint64_t> heap_;
};

/// What a receive ended with; the value itself went to the caller's slot.
struct Received {
  RecvStatus status = RecvStatus::Closed;
  std::uint64_t ticket = 0;
  int which = 0;       // index of the channel that delivered
  bool retry = false;  // spurious wake (one input closed, or a stale race): await again
};

/// Receives from the first of `chans` that has a value, into `slot` (a
/// std::optional<T>, T the channels' element type, owned by the caller and
/// outliving the awaiter). Ends with Closed only when every channel is
/// closed and drained. `ticketCounter`, if set, draws a sequence number
/// under the delivering channel's lock (used by `ordered`).
class RecvAwaiter {
 public:
  RecvAwaiter(std::span<ChannelBase* const> chans, void* slot, Deadline deadline, TimerQueue* timers,
              std::atomic<std::uint64_t>* ticketCounter, std::size_t start);
  RecvAwaiter(const RecvAwaiter&) = delete;  // nodes_ may point into *this
  RecvAwaiter& operator=(const RecvAwaiter&) = delete;

  // When every input is in ring mode, a pass that takes only the ring end
  // locks first: a value (or the end of every input) completes the receive
  // without preparing the waiter. Locked-mode inputs skip it, since there a try costs the
  // same lock as the one pass in await_suspend (each input is tried and, if
  // empty, queued on, so a miss costs no second pass).
  bool await_ready();
  bool await_suspend(std::coroutine_handle<> h);
  Received await_resume();

 private:
  std::span<ChannelBase* const> chans_;
  Deadline deadline_;
  TimerQueue* timers_;
  std::size_t start_;
  // Nodes inline for up to kInline inputs, so a plain receive never
  // allocates. RecvNode is trivially destructible, so the inline ones are
  // placement-constructed on demand (a plain receive builds one) and never
  // destroyed.
  static_assert(std::is_trivially_destructible_v<RecvNode>);
  static constexpr std::size_t kInline = 4;
  alignas(RecvNode) unsigned char inline_[kInline * sizeof(RecvNode)];
  std::vector<RecvNode> heap_;
  RecvNode* nodes_ = nullptr;
  QueuedFlags queued_{chans_.size()};
  bool allClosed_ = false;
  bool armed_ = false;
  bool tryFirst_ = true;  // every input is in ring mode: await_ready tries them
  bool ready_ = false;    // await_ready completed the receive
  Waiter waiter_;
  Received result_;
};

/// Receives from one channel into `slot` (a std::optional<T>, T the
/// channel's element type, owned by the caller and outliving the awaiter):
/// Context::recv. Fan-in's select without its machinery — one node, no
/// per-input flags, no Lost/Retry (the waiter is solo). Locked mode
/// without a deadline parks an exclusive waiter
/// (waiter.h): one mu_ round trip whether or not a value is there, a plain
/// claim and no gate. With a deadline, or on a ring-mode channel, the gate
/// protocol for one input. Ends with Closed only when the channel is closed
/// and drained.
class RecvOneAwaiter {
 public:
  /// `tickets`, if given, numbers the value received (ticket()), as
  /// RecvAwaiter's does.
  RecvOneAwaiter(ChannelBase& ch, void* slot, Deadline deadline, TimerQueue* timers,
                 std::atomic<std::uint64_t>* tickets = nullptr) noexcept
      : ch_(ch), deadline_(deadline), timers_(timers) {
    node_.slot = slot;
    node_.ticketCounter = tickets;
  }
  RecvOneAwaiter(const RecvOneAwaiter&) = delete;  // a queued node points into *this
  RecvOneAwaiter& operator=(const RecvOneAwaiter&) = delete;

  // Ring mode: a try under the consumer end's lock first. Locked mode: no try, since it would
  // cost the same mu_ round trip as the pass in await_suspend.
  bool await_ready() {
    if (!ch_.isRingMode()) return false;
    (void)ch_.recvCore(node_, false, st_);
    return st_ != RecvStatus::Empty;
  }
  bool await_suspend(std::coroutine_handle<> h);
  RecvStatus await_resume() {
    if (!queued_) return st_;  // completed in await_ready or await_suspend
    return finishQueued();
  }
  /// The number drawn from `tickets` for the value received (after Ok).
  [[nodiscard]] std::uint64_t ticket() const noexcept { return node_.ticket; }

 private:
  bool suspendShared(std::coroutine_handle<> h);
  RecvStatus finishQueued();

  ChannelBase& ch_;
  Deadline deadline_;
  TimerQueue* timers_;
  RecvStatus st_ = RecvStatus::Closed;
  bool queued_ = false;
  bool armed_ = false;
  Waiter waiter_;
  RecvNode node_;
};

/// Suspends until `until` (Wake::Timeout = slept through) or cancellation.
class SleepAwaiter {
 public:
  SleepAwaiter(Deadline until, TimerQueue* timers) : until_(until), timers_(timers) {}
  bool await_ready() const { return Clock::now() >= until_; }
  bool await_suspend(std::coroutine_handle<> h);
  /// True if slept through, false if cancelled.
  bool await_resume() {
    if (!suspended_) return true;
    timers_->disarm(&waiter_);
    return waiter_.wake() == Wake::Timeout;
  }

 private:
  Deadline until_;
  TimerQueue* timers_;
  bool suspended_ = false;
  Waiter waiter_;
};

}  // namespace flow::detail
