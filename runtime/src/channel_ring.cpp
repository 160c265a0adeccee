// channel_ring.cpp — a ring-mode channel (capacity > kLockedUpTo, overflow
// block or drop_newest): the ring with its producer and consumer ends, and the slow
// paths that queue a waiter under mu_ and settle (see channel_base.h for the
// wake-up protocol and its invariants). Smaller and drop_oldest channels
// (locked mode) and what both modes share are in channel.cpp.
#include "flow/channel_base.h"
#include "flow/detail/waiter.h"

namespace flow {

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
  /// The waker of a ring-mode channel keeps running until the ring is full (a
  /// producer) or empty (a consumer): more than kLockedUpTo items. So the woken
  /// go to the shared queue, where an idle thread takes them at once, rather
  /// than waiting in the waker's run-next behind a producer that keeps running
  /// (fan-in and worker pools were slower that way; bench/RESULTS.md).
  /// Locked-mode hand-offs keep the run-next.
  void finishAll() noexcept {
    for (int i = 0; i < n; ++i) waiter[i]->finishAndSpread(why[i], which[i]);
  }
};

bool ChannelBase::ringHasRoom() noexcept {
  const std::uint64_t t = prod_.tail.load(std::memory_order_relaxed);
  const auto cap = static_cast<std::uint64_t>(capacity_);
  if (t - prod_.cachedHead < cap) return true;
  prod_.cachedHead = cons_.head.load(std::memory_order_seq_cst);  // see channel_base.h
  return t - prod_.cachedHead < cap;
}

bool ChannelBase::ringPush(void* v) noexcept {
  const std::uint64_t t = prod_.tail.load(std::memory_order_relaxed);  // only pushers write it
  // Full, or filled by this push, by the cached head: look at the real one
  // (ringPushSlow). Looking one push early costs nothing when the ring has room
  // and tells exactly which pushes take the last free slot. A tail call,
  // so the fast path keeps nothing alive across it.
  if (t - prod_.cachedHead > mask_ || t + 1 - prod_.cachedHead >= static_cast<std::uint64_t>(capacity_))
      [[unlikely]]
    return ringPushSlow(v, t);
  ringPushAt(v, t);
  return true;
}

bool ChannelBase::ringPushSlow(void* v, std::uint64_t t) noexcept {
  prod_.cachedHead = cons_.head.load(std::memory_order_seq_cst);  // the slot's move-out is done
  const std::uint64_t n = t - prod_.cachedHead;
  if (n >= static_cast<std::uint64_t>(capacity_)) return false;
  if (n > mask_) ringGrow();
  if (n + 1 == static_cast<std::uint64_t>(capacity_)) noteFilledRing(1);
  ringPushAt(v, t);
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
  // Blocked senders go first (FIFO among senders, as in sendRing).
  const std::size_t k = sendWaiting_.load(std::memory_order_relaxed) ? 0 : ringPushBatch(values, n);
  prod_.lock.unlock();
  if (k > 0) afterPush();
  return k;
}

std::size_t ChannelBase::ringPushBatch(void* values, std::size_t n) {
  const std::uint64_t t = prod_.tail.load(std::memory_order_relaxed);  // only pushers write it
  const auto cap = static_cast<std::uint64_t>(capacity_);
  // How many fit by head `h`, and whether the ring holds them without growing.
  auto fits = [&](std::uint64_t h) {
    const std::uint64_t room = cap - (t - h);
    return room < n ? room : std::uint64_t{n};
  };
  std::uint64_t k = fits(prod_.cachedHead);
  // Refreshed as well when the batch would fill the ring by the cached
  // head, to tell exactly whether it does.
  if (k < n || t + k - prod_.cachedHead > mask_ + 1 || t + k - prod_.cachedHead >= cap) {
    prod_.cachedHead = cons_.head.load(std::memory_order_seq_cst);  // the slots' move-out is done
    k = fits(prod_.cachedHead);
  }
  if (k == 0) return 0;
  while (t + k - prod_.cachedHead > mask_ + 1) ringGrow();  // still below capacity
  for (std::uint64_t i = 0; i < k; ++i) moveElem(at(slots_, (t + i) & mask_), at(values, i));
  prod_.tail.store(t + k, std::memory_order_seq_cst);  // publishes the lot; see channel_base.h
  noteFill(t + k);
  if (t + k - prod_.cachedHead >= cap) noteFilledRing(1);  // the last value took the last slot
  return static_cast<std::size_t>(k);
}

void ChannelBase::ringGrow() {
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

bool ChannelBase::ringHasValue() noexcept {
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
      while (!sendq_.empty() && !(full = w.full()) && ringHasRoom()) {
        detail::WaitNode* n = sendq_.popFront();
        if (!n->waiter->tryClaim()) continue;  // stale (timed out or cancelled)
        (void)ringPush(static_cast<detail::SendNode*>(n)->value);
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
      while (!recvq_.empty() && !(full = w.full()) && ringHasValue()) {
        detail::WaitNode* n = recvq_.popFront();
        if (!n->waiter->tryClaim()) continue;  // stale select node
        deliver(*static_cast<detail::RecvNode*>(n), ringHead());
        ringPop();
        progressed = true;
        if (n == self)
          selfDone = true;
        else
          w.add(n->waiter, detail::Wake::Ok, n->which);
      }
      // Closed and drained: nobody will ever deliver to the rest.
      if (!full && closed_.load(std::memory_order_relaxed) && !ringHasValue()) {
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

detail::Core ChannelBase::sendRing(void* v, detail::SendNode* node, SendStatus& st) {
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
  if (!sendWaiting_.load(std::memory_order_relaxed) && ringPush(v)) {
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
    // Not counted as a full send here: its push, when room comes, counts
    // if it takes the last slot (as it does unless the reader took many).
    noteSenderQueued(*node, /*count=*/false);
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

detail::Core ChannelBase::recvRing(detail::RecvNode& me, bool mayWait, RecvStatus& st) {
  if (cancelled_.load(std::memory_order_relaxed)) {
    st = RecvStatus::Cancelled;
    return detail::Core::Done;
  }
  for (int attempt = 0;; ++attempt) {
    cons_.lock.lock();
    if (ringHasValue()) {
      if (mayWait && !me.waiter->tryClaim()) {  // a select already won elsewhere
        cons_.lock.unlock();
        return detail::Core::Lost;
      }
      deliver(me, ringHead());  // under the end lock: tickets follow channel order
      ringPop();
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
  if (closedMeanwhile) return recvRing(me, mayWait, st);  // takes a last value or says Closed
  w.finishAll();
  if (more) settle();
  // If a close raced us, settle may have claimed our node with Closed: that
  // finishes our waiter like any other wake-up, so Queued is still right.
  if (!selfDone) return detail::Core::Queued;
  st = RecvStatus::Ok;  // a value arrived meanwhile (settle already refilled from senders)
  return detail::Core::Done;
}

void ChannelBase::closeRing() noexcept {
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

std::size_t ChannelBase::recvBatchRing(void* out, std::size_t max, std::atomic<std::uint64_t>* tickets,
                                       std::uint64_t& firstTicket) {
  if (cancelled_.load(std::memory_order_relaxed)) return 0;
  cons_.lock.lock();
  const std::uint64_t h = cons_.head.load(std::memory_order_relaxed);  // only poppers write it
  if (cons_.cachedTail - h < max) cons_.cachedTail = prod_.tail.load(std::memory_order_seq_cst);
  const std::uint64_t avail = cons_.cachedTail - h;
  const std::size_t n = avail < max ? static_cast<std::size_t>(avail) : max;
  for (std::size_t i = 0; i < n; ++i) moveElem(at(out, i), at(slots_, (h + i) & mask_));
  // One head store hands every slot back (ringPop's, for the lot).
  if (n > 0) cons_.head.store(h + n, std::memory_order_seq_cst);
  // Under the end lock, so tickets (and a test's tap) follow channel order
  // across receivers.
  if (n > 0 && tickets != nullptr) firstTicket = tickets->fetch_add(n, std::memory_order_relaxed);
  if (tap_ != nullptr) [[unlikely]]
    for (std::size_t i = 0; i < n; ++i) tap_(tapUser_, at(out, i));
  cons_.lock.unlock();
  if (n > 0) afterPop();
  return n;
}

}  // namespace flow
