// flow/detail/channel_await.h — the coroutine side of channels: awaitables
// for send, receive (from one channel or several — fan-in) and sleep.
// Each tries the non-blocking path in await_ready; only when it would block
// does it queue a waiter, arm the timer for its deadline, and suspend. The
// awaiter object lives in the coroutine frame while suspended, so queued
// nodes and the value being sent never move. Results are status values;
// turning them into exceptions is Context's job (context.h).
#pragma once

#include <coroutine>
#include <cstdint>
#include <new>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "flow/channel.h"
#include "flow/detail/scheduler.h"
#include "flow/detail/timer.h"

namespace flow::detail {

/// Finishes a waiter the owner claimed itself, then applies the gate.
/// Returns what await_suspend should return.
inline bool finishSelf(Waiter& w, Wake why, int which = 0) noexcept {
  (void)w.finish(why, which);  // owner-claimed: the gate keeps it suspended-safe
  return w.suspend();
}

template <class T>
class SendAwaiter {
 public:
  SendAwaiter(Channel<T>& ch, T value, Deadline deadline, TimerQueue* timers)
      : ch_(ch), value_(std::move(value)), deadline_(deadline), timers_(timers) {}

  SendAwaiter(const SendAwaiter&) = delete;  // a queued node points into *this
  SendAwaiter& operator=(const SendAwaiter&) = delete;

  // The synchronous fast path: a send that finds room (or a waiting
  // receiver, or is dropped / refused) completes here without touching the
  // waiter or the coroutine frame's suspend machinery. Only Full suspends.
  bool await_ready() {
    (void)ch_.sendCore(value_, nullptr, st_);  // leaves value_ intact when Full
    return st_ != SendStatus::Full;
  }
  bool await_suspend(std::coroutine_handle<> h) {
    waiter_.prepare(h, Scheduler::current());
    node_.waiter = &waiter_;
    if (ch_.sendCore(value_, &node_, st_) == Core::Done) return false;
    queued_ = true;
    if (deadline_ != kNoDeadline) {
      armed_ = timers_->arm(&waiter_, deadline_);
      if (!armed_ && waiter_.tryClaim()) return finishSelf(waiter_, Wake::Cancelled);
    }
    return waiter_.suspend();
  }
  SendStatus await_resume() {
    if (!queued_) return st_;  // completed inside await_suspend
    if (armed_) timers_->disarm(&waiter_);
    if (waiter_.wake() != Wake::Ok) ch_.unlinkSender(node_);
    return toSendStatus(waiter_.wake());
  }

 protected:
  Channel<T>& ch_;
  T value_;
  Deadline deadline_;
  TimerQueue* timers_;
  SendStatus st_ = SendStatus::Ok;
  bool queued_ = false;
  bool armed_ = false;
  Waiter waiter_;
  SendNode<T> node_;
};

/// One flag per input: a bit mask up to 64 inputs (no allocation, one
/// store to construct), a vector beyond.
class QueuedFlags {
 public:
  explicit QueuedFlags(std::size_t n) {
    if (n > 64) heap_.resize(n, false);
  }
  bool operator[](std::size_t i) const { return heap_.empty() ? ((bits_ >> i) & 1U) != 0 : heap_[i]; }
  void set(std::size_t i) {
    if (heap_.empty())
      bits_ |= std::uint64_t{1} << i;
    else
      heap_[i] = true;
  }

 private:
  std::uint64_t bits_ = 0;
  std::vector<bool> heap_;
};

template <class T>
struct Received {
  RecvStatus status = RecvStatus::Closed;
  std::optional<T> value;  // set when status == Ok
  std::uint64_t ticket = 0;
  int which = 0;       // index of the channel that delivered
  bool retry = false;  // spurious wake (one input closed, or a stale race): await again
};

/// Receives from the first of `chans` that has a value. Ends with Closed only
/// when every channel is closed and drained. `ticketCounter`, if set, draws a
/// sequence number under the delivering channel's lock (used by `ordered`).
template <class T>
class RecvAwaiter {
 public:
  RecvAwaiter(std::span<Channel<T>* const> chans, Deadline deadline, TimerQueue* timers,
              std::atomic<std::uint64_t>* ticketCounter, std::size_t start)
      : chans_(chans), deadline_(deadline), timers_(timers), start_(start % chans.size()) {
    for (Channel<T>* c : chans) tryFirst_ = tryFirst_ && c->isBuffered();
    if (chans.size() > kInline) {
      heap_.resize(chans.size());
      nodes_ = heap_.data();
    } else {
      // Construct only the nodes in use: a plain receive builds one.
      nodes_ = reinterpret_cast<RecvNode<T>*>(inline_);
      for (std::size_t i = 0; i < chans.size(); ++i) new (&nodes_[i]) RecvNode<T>();
    }
    for (std::size_t i = 0; i < chans.size(); ++i) {
      nodes_[i].slot = &slot_;
      nodes_[i].ticketCounter = ticketCounter;
      nodes_[i].which = static_cast<int>(i);
    }
  }

  RecvAwaiter(const RecvAwaiter&) = delete;  // nodes_ may point into *this
  RecvAwaiter& operator=(const RecvAwaiter&) = delete;

  // When every input is buffered, a lock-free pass first: a value (or the
  // end of every input) completes the receive without preparing the waiter.
  // Rendezvous / drop_oldest inputs skip it, since there a try costs the
  // same lock as the one pass in await_suspend (each input is tried and, if
  // empty, queued on, so a miss costs no second pass).
  bool await_ready() {
    if (!tryFirst_) return false;
    std::size_t closed = 0;
    for (std::size_t k = 0; k < chans_.size(); ++k) {
      const std::size_t i = (start_ + k) % chans_.size();
      RecvStatus st{};
      (void)chans_[i]->recvCore(nodes_[i], false, st);
      switch (st) {
        case RecvStatus::Ok:
          result_.status = RecvStatus::Ok;
          result_.which = static_cast<int>(i);
          result_.ticket = nodes_[i].ticket;
          result_.value = std::move(slot_);
          return ready_ = true;
        case RecvStatus::Cancelled:
          result_.status = RecvStatus::Cancelled;
          return ready_ = true;
        case RecvStatus::Closed:
          ++closed;
          break;
        case RecvStatus::Empty:
        case RecvStatus::Timeout:
          break;
      }
    }
    if (closed < chans_.size()) return false;
    result_.status = RecvStatus::Closed;  // every input closed and drained
    return ready_ = true;
  }
  bool await_suspend(std::coroutine_handle<> h) {
    waiter_.prepare(h, Scheduler::current());
    bool queuedAny = false;
    for (std::size_t k = 0; k < chans_.size(); ++k) {
      const std::size_t i = (start_ + k) % chans_.size();
      nodes_[i].waiter = &waiter_;
      RecvStatus st{};
      const Core core = chans_[i]->recvCore(nodes_[i], true, st);
      if (core == Core::Queued) {
        queued_.set(i);
        queuedAny = true;
        continue;
      }
      if (core == Core::Lost) return waiter_.suspend();
      if (core == Core::Retry) return finishSelf(waiter_, Wake::Closed);
      if (st == RecvStatus::Ok) return finishSelf(waiter_, Wake::Ok, static_cast<int>(i));
      if (st == RecvStatus::Cancelled) {
        if (waiter_.tryClaim()) return finishSelf(waiter_, Wake::Cancelled);
        return waiter_.suspend();
      }
      // Closed and drained: skip this input.
    }
    if (!queuedAny) {
      // Every input is closed and drained: a final Closed, not a retry.
      allClosed_ = true;
      if (waiter_.tryClaim()) return finishSelf(waiter_, Wake::Closed);
      return waiter_.suspend();
    }
    if (deadline_ != kNoDeadline) {
      armed_ = timers_->arm(&waiter_, deadline_);
      if (!armed_ && waiter_.tryClaim()) return finishSelf(waiter_, Wake::Cancelled);
    }
    return waiter_.suspend();
  }

  Received<T> await_resume() {
    if (ready_) return std::move(result_);
    if (armed_) timers_->disarm(&waiter_);
    const Wake w = waiter_.wake();
    for (std::size_t i = 0; i < chans_.size(); ++i) {
      // The delivering channel already unlinked its node.
      const bool delivered = w == Wake::Ok && static_cast<int>(i) == waiter_.which();
      if (queued_[i] && !delivered) chans_[i]->unlinkReceiver(nodes_[i]);
    }
    if (w == Wake::Closed && allClosed_) {
      result_.status = RecvStatus::Closed;
      return std::move(result_);
    }
    if (w == Wake::Closed) {
      result_.retry = true;  // an input closed, or a stale race: look again
      return std::move(result_);
    }
    result_.status = toRecvStatus(w);
    if (w == Wake::Ok) {
      result_.which = waiter_.which();
      result_.ticket = nodes_[static_cast<std::size_t>(result_.which)].ticket;
      result_.value = std::move(slot_);
    }
    return std::move(result_);
  }

 private:
  std::span<Channel<T>* const> chans_;
  Deadline deadline_;
  TimerQueue* timers_;
  std::size_t start_;
  std::optional<T> slot_;
  // Nodes inline for up to kInline inputs, so a plain receive never
  // allocates. RecvNode is trivially destructible, so the inline ones are
  // placement-constructed on demand and never destroyed.
  static_assert(std::is_trivially_destructible_v<RecvNode<T>>);
  static constexpr std::size_t kInline = 4;
  alignas(RecvNode<T>) unsigned char inline_[kInline * sizeof(RecvNode<T>)];
  std::vector<RecvNode<T>> heap_;
  RecvNode<T>* nodes_ = nullptr;
  QueuedFlags queued_{chans_.size()};
  bool allClosed_ = false;
  bool armed_ = false;
  bool tryFirst_ = true;  // every input is buffered: await_ready tries them
  bool ready_ = false;    // await_ready completed the receive
  Waiter waiter_;
  Received<T> result_;
};

/// Suspends until `until` (Wake::Timeout = slept through) or cancellation.
class SleepAwaiter {
 public:
  SleepAwaiter(Deadline until, TimerQueue* timers) : until_(until), timers_(timers) {}
  bool await_ready() const { return Clock::now() >= until_; }
  bool await_suspend(std::coroutine_handle<> h) {
    waiter_.prepare(h, Scheduler::current());
    suspended_ = true;
    if (!timers_->arm(&waiter_, until_)) {
      if (waiter_.tryClaim()) return finishSelf(waiter_, Wake::Cancelled);
    }
    return waiter_.suspend();
  }
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
