// flow/detail/channel_impl.h — the out-of-line template members of
// Channel<T> (the two core routines, the batch receive and the plain-thread
// waits). Included by channel.h only; see there for the contract and
// channel_base.h for the invariants these routines keep.
#pragma once

#include "flow/channel.h"

namespace flow {

template <class T>
detail::Core Channel<T>::sendCore(T& v, detail::SendNode<T>* node, SendStatus& st) {
  detail::Waiter* wake = nullptr;
  int which = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
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
  detail::Waiter* wake = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
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
  detail::Waiter* wake[kMaxBatch];
  std::size_t woken = 0;
  std::size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
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
