// channel.cpp — a channel's send/receive paths for any element type
// (ChannelBase; elements move through ElemOps): what every channel shares,
// locked mode (capacity up to kLockedUpTo, and drop_oldest: everything
// under mu_), and the plain-thread waits. Ring mode is in channel_ring.cpp. See
// channel_base.h for the contract and the invariants these routines keep.
// Waiters are claimed under a lock and finished after it is dropped.
#include "flow/channel_base.h"

namespace flow {

namespace detail {

SendStatus toSendStatus(Wake w) noexcept {
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

RecvStatus toRecvStatus(Wake w) noexcept {
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

ChannelBase::ChannelBase(std::string name, std::int64_t capacity, Overflow overflow,
                         const std::type_info& type, const detail::ElemOps& ops, ChannelMode mode)
    : name_(std::move(name)),
      capacity_(capacity < 0 ? 0 : capacity),
      overflow_(overflow),
      type_(type),
      ringMode_(capacity_ > (mode == ChannelMode::Ring ? 0 : kLockedUpTo) &&
                overflow != Overflow::DropOldest),
      ops_(ops) {
  if (ringMode_) {
    std::uint64_t n = 1;  // the ring starts small and grows to capacity on demand
    while (n < kInitialSlots && n < static_cast<std::uint64_t>(capacity_)) n *= 2;
    slots_ = ops_.newArray(n);
    mask_ = n - 1;
  }
}

ChannelBase::~ChannelBase() {
  if (slots_ != nullptr) ops_.deleteArray(slots_);
  if (lbuf_ != nullptr) ops_.deleteArray(lbuf_);
}

void ChannelBase::unlinkSender(detail::WaitNode& n) noexcept {
  std::lock_guard<detail::SpinLock> lock(mu_);
  sendq_.remove(&n);
  sendWaiting_.store(!sendq_.empty(), std::memory_order_relaxed);
}

void ChannelBase::unlinkReceiver(detail::WaitNode& n) noexcept {
  std::lock_guard<detail::SpinLock> lock(mu_);
  recvq_.remove(&n);
  recvWaiting_.store(!recvq_.empty(), std::memory_order_relaxed);
}

// ---- locked mode -----------------------------------------------------------

void ChannelBase::lockedPushBack(void* v) {
  if (lsize_ == lcap_) {  // grow by doubling (never past capacity: callers check)
    const std::uint64_t n = lcap_ == 0 ? 8 : lcap_ * 2;
    void* next = ops_.newArray(n);
    for (std::uint64_t i = 0; i < lsize_; ++i) moveElem(at(next, i), at(lbuf_, (lhead_ + i) & (lcap_ - 1)));
    if (lbuf_ != nullptr) ops_.deleteArray(lbuf_);
    lbuf_ = next;
    lcap_ = n;
    lhead_ = 0;
  }
  moveElem(at(lbuf_, (lhead_ + lsize_) & (lcap_ - 1)), v);
  ++lsize_;
}

detail::Core ChannelBase::sendCore(void* v, detail::SendNode* node, SendStatus& st) {
  if (ringMode_) return sendRing(v, node, st);
  detail::Waiter* wake = nullptr;
  int which = 0;
  {
    std::lock_guard<detail::SpinLock> lock(mu_);
    if (cancelled_) {
      st = SendStatus::Cancelled;
      return detail::Core::Done;
    }
    if (closed_) {
      st = SendStatus::Closed;
      return detail::Core::Done;
    }
    while (detail::WaitNode* n = recvq_.popFront()) {
      if (!n->waiter->tryClaim()) continue;  // stale select node
      deliver(*static_cast<detail::RecvNode*>(n), v);
      noteSent();
      noteReceived();
      wake = n->waiter;
      which = n->which;
      break;
    }
    if (wake == nullptr) {
      const auto cap = static_cast<std::uint64_t>(capacity_);
      if (lsize_ < cap) {
        lockedPushBack(v);
        noteSent();
        noteLen(lsize_);
        if (lsize_ == cap) noteFilledLocked();  // took the last free slot
        st = SendStatus::Ok;
        return detail::Core::Done;
      }
      if (overflow_ == Overflow::DropNewest || (overflow_ == Overflow::DropOldest && cap == 0)) {
        noteDropped();
        st = SendStatus::Dropped;
        return detail::Core::Done;
      }
      if (overflow_ == Overflow::DropOldest) {
        lockedDropFront();
        noteDropped();
        lockedPushBack(v);
        noteSent();
        st = SendStatus::Ok;
        return detail::Core::Done;
      }
      if (node == nullptr) {
        st = SendStatus::Full;
        return detail::Core::Done;
      }
      node->value = v;
      noteSenderQueued(*node);
      sendq_.pushBack(node);
      return detail::Core::Queued;
    }
  }
  wake->finishAndSchedule(detail::Wake::Ok, which);
  st = SendStatus::Ok;
  return detail::Core::Done;
}

detail::Core ChannelBase::recvCore(detail::RecvNode& me, bool mayWait, RecvStatus& st) {
  if (ringMode_) return recvRing(me, mayWait, st);
  detail::Waiter* wake = nullptr;
  {
    std::lock_guard<detail::SpinLock> lock(mu_);
    if (cancelled_) {
      st = RecvStatus::Cancelled;
      return detail::Core::Done;
    }
    const bool haveValue = lsize_ > 0 || !sendq_.empty();
    // A select's waiter may be queued on other inputs: claim it before taking
    // a value. A solo one is queued nowhere yet, so nobody else can claim it.
    const bool claimSelf = haveValue && mayWait && !me.waiter->isSolo();
    if (claimSelf && !me.waiter->tryClaim()) return detail::Core::Lost;
    if (lsize_ > 0) {
      deliver(me, lockedFront());
      lockedDropFront();
      noteReceived();
      // The freed slot goes to the longest-waiting sender, keeping FIFO.
      while (detail::WaitNode* n = sendq_.popFront()) {
        if (!n->waiter->tryClaim()) continue;
        lockedPushBack(static_cast<detail::SendNode*>(n)->value);
        noteSent();
        wake = n->waiter;
        break;
      }
      noteLen(lsize_);
      st = RecvStatus::Ok;
    } else {
      while (detail::WaitNode* n = sendq_.popFront()) {
        if (!n->waiter->tryClaim()) continue;
        deliver(me, static_cast<detail::SendNode*>(n)->value);
        noteSent();
        noteReceived();
        wake = n->waiter;
        break;
      }
      if (wake != nullptr) {
        st = RecvStatus::Ok;
      } else if (claimSelf) {
        // Only stale senders were queued (now popped), but we already
        // claimed ourselves: the caller starts over with a fresh waiter.
        st = RecvStatus::Empty;
        return detail::Core::Retry;
      } else if (closed_) {
        st = RecvStatus::Closed;
        return detail::Core::Done;
      } else if (!mayWait) {
        st = RecvStatus::Empty;
        return detail::Core::Done;
      } else {
        recvq_.pushBack(&me);
        return detail::Core::Queued;
      }
    }
  }
  if (wake != nullptr) wake->finishAndSchedule(detail::Wake::Ok);
  return detail::Core::Done;
}

std::size_t ChannelBase::tryRecvBatch(void* out, std::size_t max, std::atomic<std::uint64_t>* tickets,
                                      std::uint64_t& firstTicket) {
  constexpr std::size_t kMaxBatch = 64;
  if (max > kMaxBatch) max = kMaxBatch;
  if (ringMode_) return recvBatchRing(out, max, tickets, firstTicket);
  detail::Waiter* wake[kMaxBatch];
  std::size_t woken = 0;
  std::size_t n = 0;
  {
    std::lock_guard<detail::SpinLock> lock(mu_);
    if (cancelled_) return 0;
    while (n < max) {
      if (lsize_ > 0) {
        moveElem(at(out, n), lockedFront());
        lockedDropFront();
        // Each freed slot goes to the longest-waiting sender, keeping FIFO.
        while (detail::WaitNode* s = sendq_.popFront()) {
          if (!s->waiter->tryClaim()) continue;
          lockedPushBack(static_cast<detail::SendNode*>(s)->value);
          noteSent();
          wake[woken++] = s->waiter;
          break;
        }
      } else {
        detail::WaitNode* s = sendq_.popFront();
        if (s == nullptr) break;
        if (!s->waiter->tryClaim()) continue;
        moveElem(at(out, n), static_cast<detail::SendNode*>(s)->value);
        noteSent();
        wake[woken++] = s->waiter;
      }
      noteReceived();
      ++n;
    }
    if (n > 0) {
      noteLen(lsize_);
      if (tickets != nullptr) firstTicket = tickets->fetch_add(n, std::memory_order_relaxed);
      if (tap_ != nullptr) [[unlikely]]
        for (std::size_t i = 0; i < n; ++i) tap_(tapUser_, at(out, i));
    }
  }
  for (std::size_t i = 0; i < woken; ++i) wake[i]->finishAndSchedule(detail::Wake::Ok);
  return n;
}

// ---- plain-thread waits ------------------------------------------------------

SendStatus ChannelBase::sendUntil(void* v, Deadline deadline) {
  SendStatus st{};
  if (sendCore(v, nullptr, st) == detail::Core::Done && st != SendStatus::Full) return st;
  if (deadline != kNoDeadline && Clock::now() >= deadline) return SendStatus::Timeout;
  detail::ThreadParker parker;
  detail::Waiter w;
  w.prepare(&parker);
  detail::SendNode node;
  node.waiter = &w;
  if (sendCore(v, &node, st) == detail::Core::Done) return st;
  if (!parker.waitUntil(deadline)) {
    if (w.tryClaim()) {
      unlinkSender(node);
      noteWaitEnded(node);
      return SendStatus::Timeout;
    }
    (void)parker.waitUntil(kNoDeadline);  // claimed concurrently: wait for its finish
  }
  noteWaitEnded(node);
  return detail::toSendStatus(w.wake());
}

RecvStatus ChannelBase::recvUntil(void* slot, Deadline deadline) {
  for (;;) {
    detail::RecvNode node;
    node.slot = slot;
    RecvStatus st{};
    (void)recvCore(node, false, st);
    if (st != RecvStatus::Empty) return st;
    if (deadline != kNoDeadline && Clock::now() >= deadline) return RecvStatus::Timeout;
    detail::ThreadParker parker;
    detail::Waiter w;
    w.prepare(&parker);
    node.waiter = &w;
    const detail::Core core = recvCore(node, true, st);
    if (core == detail::Core::Retry) continue;
    if (core == detail::Core::Done) return st;
    // Queued (Lost cannot happen: the waiter is queued nowhere else).
    if (!parker.waitUntil(deadline)) {
      if (w.tryClaim()) {
        unlinkReceiver(node);
        return RecvStatus::Timeout;
      }
      (void)parker.waitUntil(kNoDeadline);  // claimed concurrently: wait for its finish
    }
    return detail::toRecvStatus(w.wake());
  }
}

}  // namespace flow
