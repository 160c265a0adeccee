// channel.cpp — every send/receive path of a channel, for any element type
// (ChannelBase; elements move through ElemOps). See channel_base.h for the
// contract, the invariants these routines keep and the buffered mode's
// wake-up protocol. Waiters are claimed under a lock and finished after it
// is dropped.
#include <algorithm>

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

/// Waiters claimed under mu_, finished after it is dropped.
struct ChannelBase::Woken {
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

ChannelBase::ChannelBase(std::string name, std::int64_t capacity, Overflow overflow,
                         const std::type_info& type, const detail::ElemOps& ops)
    : name_(std::move(name)),
      capacity_(capacity < 0 ? 0 : capacity),
      overflow_(overflow),
      type_(type),
      buffered_(capacity_ > 0 && overflow != Overflow::DropOldest),
      ops_(ops) {
  if (buffered_) {
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
  if (buffered_) return sendBuffered(v, node, st);
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
      sendq_.pushBack(node);
      return detail::Core::Queued;
    }
  }
  wake->finishAndSchedule(detail::Wake::Ok, which);
  st = SendStatus::Ok;
  return detail::Core::Done;
}

detail::Core ChannelBase::recvCore(detail::RecvNode& me, bool mayWait, RecvStatus& st) {
  if (buffered_) return recvBuffered(me, mayWait, st);
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
  if (buffered_) {
    if (cancelled_.load(std::memory_order_relaxed)) return 0;
    cons_.lock.lock();
    const std::uint64_t h = cons_.head.load(std::memory_order_relaxed);  // only poppers write it
    if (cons_.cachedTail - h < max) cons_.cachedTail = prod_.tail.load(std::memory_order_seq_cst);
    const std::uint64_t avail = cons_.cachedTail - h;
    const std::size_t n = avail < max ? static_cast<std::size_t>(avail) : max;
    for (std::size_t i = 0; i < n; ++i) moveElem(at(out, i), at(slots_, (h + i) & mask_));
    // One head store hands every slot back (popLocked's, for the lot).
    if (n > 0) cons_.head.store(h + n, std::memory_order_seq_cst);
    // Under the end lock, so tickets follow channel order across receivers.
    if (n > 0 && tickets != nullptr) firstTicket = tickets->fetch_add(n, std::memory_order_relaxed);
    cons_.lock.unlock();
    if (n > 0) afterPop();
    return n;
  }
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
    }
  }
  for (std::size_t i = 0; i < woken; ++i) wake[i]->finishAndSchedule(detail::Wake::Ok);
  return n;
}

// ---- buffered mode -----------------------------------------------------------

bool ChannelBase::roomLocked() noexcept {
  const std::uint64_t t = prod_.tail.load(std::memory_order_relaxed);
  const auto cap = static_cast<std::uint64_t>(capacity_);
  if (t - prod_.cachedHead < cap) return true;
  prod_.cachedHead = cons_.head.load(std::memory_order_seq_cst);  // see channel_base.h
  return t - prod_.cachedHead < cap;
}

bool ChannelBase::pushLocked(void* v) noexcept {
  const std::uint64_t t = prod_.tail.load(std::memory_order_relaxed);  // only pushers write it
  if (t - prod_.cachedHead > mask_ || t - prod_.cachedHead >= static_cast<std::uint64_t>(capacity_)) {
    // Looks full by the cached head: look at the real one.
    prod_.cachedHead = cons_.head.load(std::memory_order_seq_cst);  // the slot's move-out is done
    const std::uint64_t n = t - prod_.cachedHead;
    if (n >= static_cast<std::uint64_t>(capacity_)) return false;
    if (n > mask_) growLocked();
  }
  moveElem(at(slots_, t & mask_), v);
  prod_.tail.store(t + 1, std::memory_order_seq_cst);  // publishes the slot; see channel_base.h
  noteFill(t + 1);
  return true;
}

std::size_t ChannelBase::trySendBatch(void* values, std::size_t n, SendStatus& st) {
  if (cancelled_.load(std::memory_order_relaxed)) {
    st = SendStatus::Cancelled;
    return 0;
  }
  prod_.lock.lock();
  if (closed_.load(std::memory_order_relaxed)) {  // stored under prod_.lock
    prod_.lock.unlock();
    st = SendStatus::Closed;
    return 0;
  }
  st = SendStatus::Ok;
  // Blocked senders go first (FIFO among senders, as in sendBuffered).
  const std::size_t k = sendWaiting_.load(std::memory_order_relaxed) ? 0 : pushBatchLocked(values, n);
  prod_.lock.unlock();
  if (k > 0) afterPush();
  return k;
}

std::size_t ChannelBase::pushBatchLocked(void* values, std::size_t n) {
  const std::uint64_t t = prod_.tail.load(std::memory_order_relaxed);  // only pushers write it
  const auto cap = static_cast<std::uint64_t>(capacity_);
  // How many fit by head `h`, and whether the ring holds them without growing.
  auto fits = [&](std::uint64_t h) {
    const std::uint64_t room = cap - (t - h);
    return room < n ? room : std::uint64_t{n};
  };
  std::uint64_t k = fits(prod_.cachedHead);
  if (k < n || t + k - prod_.cachedHead > mask_ + 1) {
    prod_.cachedHead = cons_.head.load(std::memory_order_seq_cst);  // the slots' move-out is done
    k = fits(prod_.cachedHead);
  }
  if (k == 0) return 0;
  while (t + k - prod_.cachedHead > mask_ + 1) growLocked();  // still below capacity
  for (std::uint64_t i = 0; i < k; ++i) moveElem(at(slots_, (t + i) & mask_), at(values, i));
  prod_.tail.store(t + k, std::memory_order_seq_cst);  // publishes the lot; see channel_base.h
  noteFill(t + k);
  return static_cast<std::size_t>(k);
}

void ChannelBase::growLocked() {
  cons_.lock.lock();
  const std::uint64_t h = cons_.head.load(std::memory_order_relaxed);
  const std::uint64_t t = prod_.tail.load(std::memory_order_relaxed);
  const std::uint64_t n = (mask_ + 1) * 2;
  void* next = ops_.newArray(n);
  // Indices are absolute, so each value keeps its index under the new mask.
  for (std::uint64_t i = h; i != t; ++i) moveElem(at(next, i & (n - 1)), at(slots_, i & mask_));
  ops_.deleteArray(slots_);
  slots_ = next;
  mask_ = n - 1;
  cons_.lock.unlock();
}

bool ChannelBase::hasValueLocked() noexcept {
  const std::uint64_t h = cons_.head.load(std::memory_order_relaxed);  // only poppers write it
  if (h != cons_.cachedTail) return true;
  cons_.cachedTail = prod_.tail.load(std::memory_order_seq_cst);  // see channel_base.h
  return h != cons_.cachedTail;
}

void ChannelBase::settle() noexcept {
  for (bool more = true; more;) {
    Woken w;
    bool selfDone = false;
    {
      std::lock_guard<detail::SpinLock> lock(mu_);
      more = settleLocked(w, nullptr, selfDone);
    }
    w.finishAll();
  }
}

bool ChannelBase::settleLocked(Woken& w, detail::WaitNode* self, bool& selfDone) noexcept {
  bool full = false;
  for (bool progressed = true; progressed && !full;) {
    progressed = false;
    if (!sendq_.empty()) {
      prod_.lock.lock();
      while (!sendq_.empty() && !(full = w.full()) && roomLocked()) {
        detail::WaitNode* n = sendq_.popFront();
        if (!n->waiter->tryClaim()) continue;  // stale (timed out or cancelled)
        (void)pushLocked(static_cast<detail::SendNode*>(n)->value);
        progressed = true;
        if (n == self)
          selfDone = true;
        else
          w.add(n->waiter, detail::Wake::Ok, n->which);
      }
      prod_.lock.unlock();
    }
    if (!recvq_.empty() && !full) {
      cons_.lock.lock();
      while (!recvq_.empty() && !(full = w.full()) && hasValueLocked()) {
        detail::WaitNode* n = recvq_.popFront();
        if (!n->waiter->tryClaim()) continue;  // stale select node
        deliver(*static_cast<detail::RecvNode*>(n), headLocked());
        popLocked();
        progressed = true;
        if (n == self)
          selfDone = true;
        else
          w.add(n->waiter, detail::Wake::Ok, n->which);
      }
      // Closed and drained: nobody will ever deliver to the rest.
      if (!full && closed_.load(std::memory_order_relaxed) && !hasValueLocked()) {
        while (!recvq_.empty() && !(full = w.full())) {
          detail::WaitNode* n = recvq_.popFront();
          if (n->waiter->tryClaim()) w.add(n->waiter, detail::Wake::Closed, n->which);
        }
      }
      cons_.lock.unlock();
    }
  }
  sendWaiting_.store(!sendq_.empty(), std::memory_order_relaxed);
  recvWaiting_.store(!recvq_.empty(), std::memory_order_relaxed);
  return full;
}

detail::Core ChannelBase::sendBuffered(void* v, detail::SendNode* node, SendStatus& st) {
  if (cancelled_.load(std::memory_order_relaxed)) {
    st = SendStatus::Cancelled;
    return detail::Core::Done;
  }
  prod_.lock.lock();
  if (closed_.load(std::memory_order_relaxed)) {  // stored under prod_.lock
    prod_.lock.unlock();
    st = SendStatus::Closed;
    return detail::Core::Done;
  }
  // Blocked senders go first (FIFO among senders, as in locked mode).
  if (!sendWaiting_.load(std::memory_order_relaxed) && pushLocked(v)) {
    prod_.lock.unlock();
    afterPush();
    st = SendStatus::Ok;
    return detail::Core::Done;
  }
  prod_.lock.unlock();
  if (overflow_ == Overflow::DropNewest) {  // senders never queue here, so it was full
    noteDropped();
    st = SendStatus::Dropped;
    return detail::Core::Done;
  }
  if (node == nullptr) {
    st = SendStatus::Full;
    return detail::Core::Done;
  }
  Woken w;
  bool selfDone = false;
  bool more = false;
  {
    std::lock_guard<detail::SpinLock> lock(mu_);
    if (cancelled_.load(std::memory_order_relaxed)) {
      st = SendStatus::Cancelled;
      return detail::Core::Done;
    }
    if (closed_.load(std::memory_order_relaxed)) {
      st = SendStatus::Closed;
      return detail::Core::Done;
    }
    node->value = v;
    sendq_.pushBack(node);
    sendWaiting_.store(true, std::memory_order_seq_cst);  // before settle's head load
    more = settleLocked(w, node, selfDone);
  }
  w.finishAll();
  if (more) settle();
  if (!selfDone) return detail::Core::Queued;
  st = SendStatus::Ok;  // room appeared meanwhile: the value is in the ring
  return detail::Core::Done;
}

detail::Core ChannelBase::recvBuffered(detail::RecvNode& me, bool mayWait, RecvStatus& st) {
  if (cancelled_.load(std::memory_order_relaxed)) {
    st = RecvStatus::Cancelled;
    return detail::Core::Done;
  }
  for (int attempt = 0;; ++attempt) {
    cons_.lock.lock();
    if (hasValueLocked()) {
      if (mayWait && !me.waiter->tryClaim()) {  // a select already won elsewhere
        cons_.lock.unlock();
        return detail::Core::Lost;
      }
      deliver(me, headLocked());  // under the end lock: tickets follow channel order
      popLocked();
      cons_.lock.unlock();
      afterPop();
      st = RecvStatus::Ok;
      return detail::Core::Done;
    }
    cons_.lock.unlock();
    // A push that completed before close() stored closed_ (under prod_.lock)
    // is visible once we have seen closed_ with acquire: look once more.
    if (attempt == 0 && closed_.load(std::memory_order_acquire)) continue;
    if (attempt == 1) {
      st = RecvStatus::Closed;
      return detail::Core::Done;
    }
    break;
  }
  if (!mayWait) {
    st = RecvStatus::Empty;
    return detail::Core::Done;
  }
  Woken w;
  bool selfDone = false;
  bool more = false;
  bool closedMeanwhile = false;
  {
    std::lock_guard<detail::SpinLock> lock(mu_);
    if (cancelled_.load(std::memory_order_relaxed)) {
      st = RecvStatus::Cancelled;
      return detail::Core::Done;
    }
    closedMeanwhile = closed_.load(std::memory_order_relaxed);
    if (!closedMeanwhile) {
      // A close from here on finds our node and settles it (value or Closed).
      recvq_.pushBack(&me);
      recvWaiting_.store(true, std::memory_order_seq_cst);  // before settle's tail load
      more = settleLocked(w, &me, selfDone);
    }
  }
  if (closedMeanwhile) return recvBuffered(me, mayWait, st);  // takes a last value or says Closed
  w.finishAll();
  if (more) settle();
  // If a close raced us, settle may have claimed our node with Closed: that
  // finishes our waiter like any other wake-up, so Queued is still right.
  if (!selfDone) return detail::Core::Queued;
  st = RecvStatus::Ok;  // a value arrived meanwhile (settle already refilled from senders)
  return detail::Core::Done;
}

void ChannelBase::closeBuffered() noexcept {
  std::vector<detail::Waiter*> senders;
  {
    std::lock_guard<detail::SpinLock> lock(mu_);
    if (closed_.load(std::memory_order_relaxed)) return;
    // Under prod_.lock: every push either completed before (and is seen by
    // anyone who sees closed_) or sees closed_ and fails.
    prod_.lock.lock();
    closed_.store(true, std::memory_order_release);
    prod_.lock.unlock();
    claimAll(sendq_, senders);  // blocked senders: Closed, values not delivered
    sendWaiting_.store(false, std::memory_order_relaxed);
  }
  for (detail::Waiter* s : senders) s->finishAndSchedule(detail::Wake::Closed);
  settle();  // queued receivers: the remaining values, then Closed
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
      return SendStatus::Timeout;
    }
    (void)parker.waitUntil(kNoDeadline);  // claimed concurrently: wait for its finish
  }
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
