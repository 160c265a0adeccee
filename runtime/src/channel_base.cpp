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
  if (ringMode_) {
    closeRing();
    return;
  }
  std::vector<detail::Waiter*> woken;
  {
    std::lock_guard<detail::SpinLock> lock(mu_);
    if (closed_.load(std::memory_order_relaxed)) return;
    closed_.store(true, std::memory_order_release);
    // A receiver queued here means the buffer is empty: it sees Closed.
    claimAll(recvq_, woken);
    claimAll(sendq_, woken);
  }
  for (detail::Waiter* w : woken) w->finishAndSchedule(detail::Wake::Closed);
}

void ChannelBase::cancel() noexcept {
  std::vector<detail::Waiter*> woken;
  {
    std::lock_guard<detail::SpinLock> lock(mu_);
    if (cancelled_.load(std::memory_order_relaxed)) return;
    cancelled_.store(true, std::memory_order_release);
    claimAll(recvq_, woken);
    claimAll(sendq_, woken);
    // Ring-mode fast paths that still see the flags take mu_ and find the
    // queues empty; later operations see cancelled_ and stop.
    recvWaiting_.store(false, std::memory_order_relaxed);
    sendWaiting_.store(false, std::memory_order_relaxed);
  }
  for (detail::Waiter* w : woken) w->finishAndSchedule(detail::Wake::Cancelled);
}

ChannelStats ChannelBase::stats() const {
  ChannelStats s;
  s.name = name_;
  s.capacity = capacity_;
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.maxLen = maxLen_.load(std::memory_order_relaxed);
  if (ringMode_) {
    // Every accepted value passes through the ring in ring mode.
    s.received = cons_.head.load(std::memory_order_relaxed);
    s.sent = prod_.tail.load(std::memory_order_relaxed);
    s.len = ringLen();
  } else {
    s.sent = sent_.load(std::memory_order_relaxed);
    s.received = received_.load(std::memory_order_relaxed);
    s.len = len_.load(std::memory_order_relaxed);
  }
  s.fullSends = sendersQueued_.load(std::memory_order_relaxed) -
                queuedUncounted_.load(std::memory_order_relaxed) +
                waitedElsewhere_.load(std::memory_order_relaxed) +
                filledLocked_.load(std::memory_order_relaxed) + prod_.filled.load(std::memory_order_relaxed);
  // Every queued sender's wait, estimated as the mean of the timed ones
  // (the first kWaitSampleEvery, then one in that many) times their
  // number, so that timing costs nothing measurable.
  const std::uint64_t samples = waitSamples_.load(std::memory_order_relaxed);
  if (samples > 0) {
    const double mean =
        static_cast<double>(waitSampleNs_.load(std::memory_order_relaxed)) / static_cast<double>(samples);
    s.blockedNs =
        static_cast<std::int64_t>(mean * static_cast<double>(sendersQueued_.load(std::memory_order_relaxed)));
  }
  return s;
}

}  // namespace flow
