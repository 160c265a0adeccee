// outbox.cpp — the out-of-line members of detail::Outbox (detail/outbox.h):
// adding, pushing and growing a worker's batch of values for one channel.
#include "flow/detail/outbox.h"

#include "flow/detail/channel_await.h"

namespace flow::detail {

Outbox::~Outbox() {
  if (values_ != nullptr) channel_->elemOps().deleteArray(values_);
}

void Outbox::add(void* value, std::uint64_t number) {
  if (end_ == room_) grow();
  channel_->elemOps().assign(at(end_), value);
  numbers_[end_] = number;
  ++end_;
}

std::size_t Outbox::tryPush(SendStatus& st) {
  const std::size_t k = channel_->trySendBatch(at(first_), end_ - first_, st);
  taken(k);
  if (st == SendStatus::Ok && first_ < end_) {
    // The values left behind found the channel full: count each once,
    // however many pushes it takes them to get in.
    std::uint64_t uncounted = 0;
    for (std::size_t i = end_; i > first_ && numbers_[i - 1] >= countedBelow_; --i) ++uncounted;
    if (uncounted > 0) channel_->noteWaitedSends(uncounted);
    countedBelow_ = numbers_[end_ - 1] + 1;
  }
  return k;
}

Task Outbox::pushOne(TimerQueue* timers, SendStatus& st) {
  // The value stays in its slot while the send waits: nothing else touches
  // this worker's outbox meanwhile.
  SendAwaiter send(*channel_, at(first_), kNoDeadline, timers, /*counted=*/true);
  st = co_await send;
  if (st == SendStatus::Ok) taken(1);
}

void Outbox::grow() {
  const ElemOps& ops = channel_->elemOps();
  const std::size_t n = room_ == 0 ? kMaxBatch : 2 * room_;
  void* values = ops.newArray(n);
  auto numbers = std::make_unique<std::uint64_t[]>(n);
  for (std::size_t i = first_; i < end_; ++i) {
    ops.assign(static_cast<char*>(values) + (i - first_) * ops.size, at(i));
    numbers[i - first_] = numbers_[i];
  }
  end_ -= first_;
  first_ = 0;
  if (values_ != nullptr) ops.deleteArray(values_);
  values_ = values;
  numbers_ = std::move(numbers);
  room_ = n;
}

}  // namespace flow::detail
