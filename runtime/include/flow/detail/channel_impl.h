// flow/detail/channel_impl.h — the out-of-line template members of
// Channel<T> (the two core routines, the batch receive and the plain-thread
// waits). Included by channel.h only; see there for the contract and
// channel_base.h for the invariants these routines keep.
#pragma once

#include "flow/channel.h"

namespace flow {

template <class T>
detail::Core Channel<T>::sendCore(T& v, detail::SendNode<T>* node, SendStatus& st) {
  if (isBuffered()) return sendBuffered(v, node, st);
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
      static_cast<detail::RecvNode<T>*>(n)->deliver(std::move(v));
      noteSent();
      noteReceived();
      wake = n->waiter;
      which = n->which;
      break;
    }
    if (wake == nullptr) {
      const auto cap = static_cast<std::size_t>(capacity());
      if (buf_.size() < cap) {
        buf_.pushBack(std::move(v));
        noteSent();
        noteLen(buf_.size());
        st = SendStatus::Ok;
        return detail::Core::Done;
      }
      if (overflow() == Overflow::DropNewest || (overflow() == Overflow::DropOldest && cap == 0)) {
        noteDropped();
        st = SendStatus::Dropped;
        return detail::Core::Done;
      }
      if (overflow() == Overflow::DropOldest) {
        (void)buf_.popFront();
        noteDropped();
        buf_.pushBack(std::move(v));
        noteSent();
        st = SendStatus::Ok;
        return detail::Core::Done;
      }
      if (node == nullptr) {
        st = SendStatus::Full;
        return detail::Core::Done;
      }
      node->value = &v;
      sendq_.pushBack(node);
      return detail::Core::Queued;
    }
  }
  wake->finishAndSchedule(detail::Wake::Ok, which);
  st = SendStatus::Ok;
  return detail::Core::Done;
}

template <class T>
detail::Core Channel<T>::recvCore(detail::RecvNode<T>& me, bool mayWait, RecvStatus& st) {
  if (isBuffered()) return recvBuffered(me, mayWait, st);
  detail::Waiter* wake = nullptr;
  {
    std::lock_guard<detail::SpinLock> lock(mu_);
    if (cancelled_) {
      st = RecvStatus::Cancelled;
      return detail::Core::Done;
    }
    const bool haveValue = !buf_.empty() || !sendq_.empty();
    if (haveValue && mayWait && !me.waiter->tryClaim()) return detail::Core::Lost;
    if (!buf_.empty()) {
      me.deliver(buf_.popFront());
      noteReceived();
      // The freed slot goes to the longest-waiting sender, keeping FIFO.
      while (detail::WaitNode* n = sendq_.popFront()) {
        if (!n->waiter->tryClaim()) continue;
        buf_.pushBack(std::move(*static_cast<detail::SendNode<T>*>(n)->value));
        noteSent();
        wake = n->waiter;
        break;
      }
      noteLen(buf_.size());
      st = RecvStatus::Ok;
    } else {
      while (detail::WaitNode* n = sendq_.popFront()) {
        if (!n->waiter->tryClaim()) continue;
        me.deliver(std::move(*static_cast<detail::SendNode<T>*>(n)->value));
        noteSent();
        noteReceived();
        wake = n->waiter;
        break;
      }
      if (wake != nullptr) {
        st = RecvStatus::Ok;
      } else if (haveValue) {
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

template <class T>
std::size_t Channel<T>::tryRecvBatch(std::vector<T>& out, std::size_t max,
                                     std::atomic<std::uint64_t>* tickets, std::uint64_t& firstTicket) {
  constexpr std::size_t kMaxBatch = 64;
  if (max > kMaxBatch) max = kMaxBatch;
  if (isBuffered()) {
    if (cancelled_.load(std::memory_order_relaxed)) return 0;
    out.reserve(out.size() + max);  // no allocation under the end lock
    cons_.lock.lock();
    const std::uint64_t h = cons_.head.load(std::memory_order_relaxed);  // only poppers write it
    if (cons_.cachedTail - h < max) cons_.cachedTail = prod_.tail.load(std::memory_order_seq_cst);
    const std::uint64_t avail = cons_.cachedTail - h;
    const std::size_t n = avail < max ? static_cast<std::size_t>(avail) : max;
    // Two contiguous runs (before and after the ring wraps) into `out`.
    const std::size_t base = out.size();
    out.resize(base + n);  // reserved above: no allocation
    T* dst = out.data() + base;
    T* const ring = slots_.get();
    const std::size_t at = static_cast<std::size_t>(h & mask_);
    const std::size_t first = n < mask_ + 1 - at ? n : static_cast<std::size_t>(mask_ + 1 - at);
    for (std::size_t i = 0; i < first; ++i) dst[i] = std::move(ring[at + i]);
    for (std::size_t i = first; i < n; ++i) dst[i] = std::move(ring[i - first]);
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
      if (!buf_.empty()) {
        out.push_back(buf_.popFront());
        // Each freed slot goes to the longest-waiting sender, keeping FIFO.
        while (detail::WaitNode* s = sendq_.popFront()) {
          if (!s->waiter->tryClaim()) continue;
          buf_.pushBack(std::move(*static_cast<detail::SendNode<T>*>(s)->value));
          noteSent();
          wake[woken++] = s->waiter;
          break;
        }
      } else {
        detail::WaitNode* s = sendq_.popFront();
        if (s == nullptr) break;
        if (!s->waiter->tryClaim()) continue;
        out.push_back(std::move(*static_cast<detail::SendNode<T>*>(s)->value));
        noteSent();
        wake[woken++] = s->waiter;
      }
      noteReceived();
      ++n;
    }
    if (n > 0) {
      noteLen(buf_.size());
      if (tickets != nullptr) firstTicket = tickets->fetch_add(n, std::memory_order_relaxed);
    }
  }
  for (std::size_t i = 0; i < woken; ++i) wake[i]->finishAndSchedule(detail::Wake::Ok);
  return n;
}

// ---- buffered mode -------------------------------------------------------

template <class T>
bool Channel<T>::roomLocked() noexcept {
  const std::uint64_t t = prod_.tail.load(std::memory_order_relaxed);
  const auto cap = static_cast<std::uint64_t>(capacity());
  if (t - prod_.cachedHead < cap) return true;
  prod_.cachedHead = cons_.head.load(std::memory_order_seq_cst);  // see channel_base.h
  return t - prod_.cachedHead < cap;
}

template <class T>
bool Channel<T>::pushLocked(T& v) {
  const std::uint64_t t = prod_.tail.load(std::memory_order_relaxed);  // only pushers write it
  if (t - prod_.cachedHead > mask_ || t - prod_.cachedHead >= static_cast<std::uint64_t>(capacity())) {
    // Looks full by the cached head: look at the real one.
    prod_.cachedHead = cons_.head.load(std::memory_order_seq_cst);  // the slot's move-out is done
    const std::uint64_t n = t - prod_.cachedHead;
    if (n >= static_cast<std::uint64_t>(capacity())) return false;
    if (n > mask_) growLocked();
  }
  slots_[t & mask_] = std::move(v);
  prod_.tail.store(t + 1, std::memory_order_seq_cst);  // publishes the slot; see channel_base.h
  noteFill(t + 1);
  return true;
}

template <class T>
std::size_t Channel<T>::trySendBatch(T* values, std::size_t n, SendStatus& st) {
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

template <class T>
std::size_t Channel<T>::pushBatchLocked(T* values, std::size_t n) {
  const std::uint64_t t = prod_.tail.load(std::memory_order_relaxed);  // only pushers write it
  const auto cap = static_cast<std::uint64_t>(capacity());
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
  // Two contiguous runs: up to the end of the ring, then from its start.
  T* const ring = slots_.get();
  const std::uint64_t at = t & mask_;
  const std::uint64_t first = k < mask_ + 1 - at ? k : mask_ + 1 - at;
  for (std::uint64_t i = 0; i < first; ++i) ring[at + i] = std::move(values[i]);
  for (std::uint64_t i = first; i < k; ++i) ring[i - first] = std::move(values[i]);
  prod_.tail.store(t + k, std::memory_order_seq_cst);  // publishes the lot; see channel_base.h
  noteFill(t + k);
  return static_cast<std::size_t>(k);
}

template <class T>
void Channel<T>::growLocked() {
  cons_.lock.lock();
  const std::uint64_t h = cons_.head.load(std::memory_order_relaxed);
  const std::uint64_t t = prod_.tail.load(std::memory_order_relaxed);
  const std::uint64_t n = (mask_ + 1) * 2;
  auto next = std::make_unique<T[]>(n);
  // Indices are absolute, so each value keeps its index under the new mask.
  for (std::uint64_t i = h; i != t; ++i) next[i & (n - 1)] = std::move(slots_[i & mask_]);
  slots_ = std::move(next);
  mask_ = n - 1;
  cons_.lock.unlock();
}

template <class T>
bool Channel<T>::hasValueLocked() noexcept {
  const std::uint64_t h = cons_.head.load(std::memory_order_relaxed);  // only poppers write it
  if (h != cons_.cachedTail) return true;
  cons_.cachedTail = prod_.tail.load(std::memory_order_seq_cst);  // see channel_base.h
  return h != cons_.cachedTail;
}

template <class T>
T Channel<T>::popLocked() noexcept(std::is_nothrow_move_constructible_v<T>) {
  const std::uint64_t h = cons_.head.load(std::memory_order_relaxed);
  T v = std::move(slots_[h & mask_]);
  cons_.head.store(h + 1, std::memory_order_seq_cst);  // hands the slot back; see channel_base.h
  return v;
}

template <class T>
void Channel<T>::settle() noexcept {
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

template <class T>
bool Channel<T>::settleLocked(Woken& w, detail::WaitNode* self, bool& selfDone) noexcept {
  bool full = false;
  for (bool progressed = true; progressed && !full;) {
    progressed = false;
    if (!sendq_.empty()) {
      prod_.lock.lock();
      while (!sendq_.empty() && !(full = w.full()) && roomLocked()) {
        detail::WaitNode* n = sendq_.popFront();
        if (!n->waiter->tryClaim()) continue;  // stale (timed out or cancelled)
        (void)pushLocked(*static_cast<detail::SendNode<T>*>(n)->value);
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
        static_cast<detail::RecvNode<T>*>(n)->deliver(popLocked());
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

template <class T>
detail::Core Channel<T>::sendBuffered(T& v, detail::SendNode<T>* node, SendStatus& st) {
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
  if (overflow() == Overflow::DropNewest) {  // senders never queue here, so it was full
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
    node->value = &v;
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

template <class T>
detail::Core Channel<T>::recvBuffered(detail::RecvNode<T>& me, bool mayWait, RecvStatus& st) {
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
      me.deliver(popLocked());  // under the end lock: tickets follow channel order
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

template <class T>
void Channel<T>::closeBuffered() noexcept {
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

template <class T>
SendStatus Channel<T>::sendUntil(T value, Deadline deadline) {
  SendStatus st{};
  if (sendCore(value, nullptr, st) == detail::Core::Done && st != SendStatus::Full) return st;
  if (deadline != kNoDeadline && Clock::now() >= deadline) return SendStatus::Timeout;
  detail::ThreadParker parker;
  detail::Waiter w;
  w.prepare(&parker);
  detail::SendNode<T> node;
  node.waiter = &w;
  if (sendCore(value, &node, st) == detail::Core::Done) return st;
  if (!parker.waitUntil(deadline)) {
    if (w.tryClaim()) {
      unlinkSender(node);
      return SendStatus::Timeout;
    }
    (void)parker.waitUntil(kNoDeadline);  // claimed concurrently: wait for its finish
  }
  return detail::toSendStatus(w.wake());
}

template <class T>
RecvStatus Channel<T>::recvUntil(T& out, Deadline deadline) {
  std::optional<T> slot;
  for (;;) {
    detail::RecvNode<T> node;
    node.slot = &slot;
    RecvStatus st{};
    (void)recvCore(node, false, st);
    if (st != RecvStatus::Empty) {
      if (st == RecvStatus::Ok) out = std::move(*slot);
      return st;
    }
    if (deadline != kNoDeadline && Clock::now() >= deadline) return RecvStatus::Timeout;
    detail::ThreadParker parker;
    detail::Waiter w;
    w.prepare(&parker);
    node.waiter = &w;
    const detail::Core core = recvCore(node, true, st);
    if (core == detail::Core::Retry) continue;
    if (core == detail::Core::Done) {
      if (st == RecvStatus::Ok) out = std::move(*slot);
      return st;
    }
    // Queued (Lost cannot happen: the waiter is queued nowhere else).
    if (!parker.waitUntil(deadline)) {
      if (w.tryClaim()) {
        unlinkReceiver(node);
        return RecvStatus::Timeout;
      }
      (void)parker.waitUntil(kNoDeadline);  // claimed concurrently: wait for its finish
    }
    st = detail::toRecvStatus(w.wake());
    if (st == RecvStatus::Ok) out = std::move(*slot);
    return st;
  }
}

}  // namespace flow
