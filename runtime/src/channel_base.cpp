// channel_base.cpp — close, cancel and metrics snapshots shared by every
// Channel<T>. Waiters are claimed under the channel's mutex and finished
// after it is dropped.
#include "flow/channel_base.h"

namespace flow {

void ChannelBase::claimAll(detail::WaitQueue& q, std::vector<detail::Waiter*>& out) {
  while (detail::WaitNode* n = q.popFront()) {
    if (n->waiter->tryClaim()) out.push_back(n->waiter);
  }
}

void ChannelBase::close() noexcept {
  std::vector<detail::Waiter*> woken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    // A receiver queued here means the buffer is empty: it sees Closed.
    claimAll(recvq_, woken);
    claimAll(sendq_, woken);
  }
  for (detail::Waiter* w : woken) w->finishAndSchedule(detail::Wake::Closed);
}

void ChannelBase::cancel() noexcept {
  std::vector<detail::Waiter*> woken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    claimAll(recvq_, woken);
    claimAll(sendq_, woken);
  }
  for (detail::Waiter* w : woken) w->finishAndSchedule(detail::Wake::Cancelled);
}

bool ChannelBase::isClosed() const noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

ChannelStats ChannelBase::stats() const {
  ChannelStats s;
  s.name = name_;
  s.capacity = capacity_;
  s.sent = sent_.load(std::memory_order_relaxed);
  s.received = received_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.maxLen = maxLen_.load(std::memory_order_relaxed);
  s.len = len_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace flow
