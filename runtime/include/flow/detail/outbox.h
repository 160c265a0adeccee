// flow/detail/outbox.h — a worker's batch of not-yet-sent values for one
// channel (batched publish of a plain body's posts; Context::post fills it,
// the worker loop in stage.cpp pushes it). Element-type erased through the
// channel's ElemOps; the out-of-line members are in runtime/src/context.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "flow/channel_base.h"
#include "flow/detail/timer.h"
#include "flow/task.h"

namespace flow::detail {

/// A plain body's values for one batchable channel (ring mode, overflow
/// block) that are not pushed yet: Context::post collects them while the
/// worker loop batches (Context::setBatchLimit) and they go out in one
/// Channel::trySendBatch — one end-lock acquisition and one tail publish —
/// when the box reaches its limit, when values have waited for `limit`
/// items, when the worker is about to wait, or when the input ends. Values
/// stay in post order; a push takes a prefix. Each value carries its number
/// in the context's add order, so a cancelled run can tell which items got
/// all their values out. Not thread-safe: owned by one worker's Context.
class Outbox {
 public:
  explicit Outbox(ChannelBase& ch) noexcept
      : channel_(&ch),
        capLimit_(ch.capacity() < static_cast<std::int64_t>(kMaxBatch)
                      ? static_cast<std::size_t>(ch.capacity())
                      : kMaxBatch) {}
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;
  [[nodiscard]] ChannelBase* channel() const noexcept { return channel_; }
  /// Values waiting.
  [[nodiscard]] std::size_t size() const noexcept { return end_ - first_; }
  /// The first waiting value's number in the add order. Requires size() > 0.
  [[nodiscard]] std::uint64_t firstWaiting() const noexcept { return numbers_[first_]; }
  /// post() pushes the box once it holds this many: min(capacity, the
  /// context's batch limit, kMaxBatch), at least 1.
  [[nodiscard]] std::size_t limit() const noexcept { return limit_; }
  void setLimit(std::size_t batchLimit) noexcept {
    limit_ = batchLimit < capLimit_ ? batchLimit : capLimit_;
    if (limit_ == 0) limit_ = 1;
  }
  /// Adds `*value` (a T, the channel's element type), moving from it.
  void add(void* value, std::uint64_t number);
  /// Pushes as many waiting values as fit now, in order; returns how many.
  /// `st`: Ok (whatever the count), Closed or Cancelled. Never blocks.
  std::size_t tryPush(SendStatus& st);
  /// Values a push leaves behind count once as sends that found the
  /// channel full (ChannelBase::noteWaitedSends).
  /// Waits (no deadline) until the channel takes the first waiting value.
  /// `st`: Ok (it was taken), Closed or Cancelled (it is gone).
  Task pushOne(TimerQueue* timers, SendStatus& st);
  /// Forgets every waiting value (the run is ending, or the channel closed).
  void discard() noexcept { first_ = end_ = 0; }

  static constexpr std::size_t kMaxBatch = 32;

 private:
  /// Runs a few times per worker (the buffer keeps its size).
  void grow();
  void* at(std::size_t i) const noexcept {
    return static_cast<char*>(values_) + i * channel_->elemOps().size;
  }
  /// `k` values went out.
  void taken(std::size_t k) noexcept {
    first_ += k;
    if (first_ == end_) first_ = end_ = 0;  // reuse the buffer from its start
  }
  ChannelBase* channel_;
  std::size_t capLimit_;  // min(capacity, kMaxBatch)
  std::size_t limit_ = 1;
  std::size_t first_ = 0;  // [first_, end_) wait
  std::size_t end_ = 0;
  std::size_t room_ = 0;    // slots allocated in numbers_ and values_
  void* values_ = nullptr;  // T[room_], through the channel's ElemOps
  std::unique_ptr<std::uint64_t[]> numbers_;
  std::uint64_t countedBelow_ = 0;  // values numbered below this were counted as waiting
};
}  // namespace flow::detail
