// channel_await.cpp — the out-of-line halves of the channel awaitables
// (detail/channel_await.h): queueing, timer arming and wake-up handling,
// compiled once for every element type.
#include "flow/detail/channel_await.h"

#include <new>

namespace flow::detail {

namespace {

/// Finishes a waiter the owner claimed itself, then applies the gate.
/// Returns what await_suspend should return.
bool finishSelf(Waiter& w, Wake why, int which = 0) noexcept {
  (void)w.finish(why, which);  // owner-claimed: the gate keeps it suspended-safe
  return w.suspend();
}

/// The end of every await_suspend that queued a node: arms the deadline,
/// if any (a run already cancelled refuses it: finish with Cancelled), then
/// applies the gate. Returns what await_suspend should return.
bool suspendQueued(Waiter& w, Deadline deadline, TimerQueue* timers, bool& armed) noexcept {
  if (deadline != kNoDeadline) {
    armed = timers->arm(&w, deadline);
    if (!armed && w.tryClaim()) return finishSelf(w, Wake::Cancelled);
  }
  return w.suspend();
}

}  // namespace

bool SendAwaiter::await_suspend(std::coroutine_handle<> h) {
  if (deadline_ == kNoDeadline && !ch_.isRingMode()) {
    // An exclusive waiter (waiter.h). Once the node is queued, *this
    // belongs to whoever claims it: touch nothing.
    waiter_.prepareExclusive(h, Scheduler::current());
    node_.waiter = &waiter_;
    queued_ = true;  // before the node is published
    if (ch_.sendCore(value_, &node_, st_) == Core::Queued) return true;
    queued_ = false;  // done at once: nobody else ever saw the node
    return false;
  }
  waiter_.prepare(h, Scheduler::current());
  node_.waiter = &waiter_;
  if (ch_.sendCore(value_, &node_, st_) == Core::Done) return false;
  queued_ = true;
  return suspendQueued(waiter_, deadline_, timers_, armed_);
}

SendStatus SendAwaiter::finishQueued() {
  ch_.noteWaitEnded(node_);
  if (armed_) timers_->disarm(&waiter_);
  if (waiter_.wake() != Wake::Ok) ch_.unlinkSender(node_);
  return toSendStatus(waiter_.wake());
}

bool RecvOneAwaiter::await_suspend(std::coroutine_handle<> h) {
  if (deadline_ != kNoDeadline || ch_.isRingMode()) return suspendShared(h);
  // See SendAwaiter::await_suspend.
  waiter_.prepareExclusive(h, Scheduler::current());
  node_.waiter = &waiter_;
  queued_ = true;  // before the node is published
  if (ch_.recvCore(node_, true, st_) == Core::Queued) return true;
  queued_ = false;  // done at once: nobody else ever saw the node
  return false;
}

bool RecvOneAwaiter::suspendShared(std::coroutine_handle<> h) {
  waiter_.prepareSolo(h, Scheduler::current());
  node_.waiter = &waiter_;
  // A solo waiter is never claimed by recvCore itself: Done (value, Closed,
  // Cancelled) or Queued, never Lost or Retry.
  if (ch_.recvCore(node_, true, st_) == Core::Done) return false;
  queued_ = true;
  return suspendQueued(waiter_, deadline_, timers_, armed_);
}

RecvStatus RecvOneAwaiter::finishQueued() {
  if (armed_) timers_->disarm(&waiter_);
  const Wake w = waiter_.wake();
  if (w != Wake::Ok) ch_.unlinkReceiver(node_);  // a timeout leaves it queued
  return toRecvStatus(w);
}

RecvAwaiter::RecvAwaiter(std::span<ChannelBase* const> chans, void* slot, Deadline deadline,
                         TimerQueue* timers, std::atomic<std::uint64_t>* ticketCounter, std::size_t start)
    : chans_(chans), deadline_(deadline), timers_(timers), start_(start % chans.size()) {
  for (ChannelBase* c : chans) tryFirst_ = tryFirst_ && c->isRingMode();
  if (chans.size() > kInline) {
    heap_.resize(chans.size());
    nodes_ = heap_.data();
  } else {
    nodes_ = reinterpret_cast<RecvNode*>(inline_);
    for (std::size_t i = 0; i < chans.size(); ++i) new (&nodes_[i]) RecvNode();
  }
  for (std::size_t i = 0; i < chans.size(); ++i) {
    nodes_[i].slot = slot;
    nodes_[i].ticketCounter = ticketCounter;
    nodes_[i].which = static_cast<int>(i);
  }
}

bool RecvAwaiter::await_ready() {
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

bool RecvAwaiter::await_suspend(std::coroutine_handle<> h) {
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
  return suspendQueued(waiter_, deadline_, timers_, armed_);
}

Received RecvAwaiter::await_resume() {
  if (ready_) return result_;
  if (armed_) timers_->disarm(&waiter_);
  const Wake w = waiter_.wake();
  for (std::size_t i = 0; i < chans_.size(); ++i) {
    // The delivering channel already unlinked its node.
    const bool delivered = w == Wake::Ok && static_cast<int>(i) == waiter_.which();
    if (queued_[i] && !delivered) chans_[i]->unlinkReceiver(nodes_[i]);
  }
  if (w == Wake::Closed && allClosed_) {
    result_.status = RecvStatus::Closed;
    return result_;
  }
  if (w == Wake::Closed) {
    result_.retry = true;  // an input closed, or a stale race: look again
    return result_;
  }
  result_.status = toRecvStatus(w);
  if (w == Wake::Ok) {
    result_.which = waiter_.which();
    result_.ticket = nodes_[static_cast<std::size_t>(result_.which)].ticket;
  }
  return result_;
}

bool SleepAwaiter::await_suspend(std::coroutine_handle<> h) {
  waiter_.prepare(h, Scheduler::current());
  suspended_ = true;
  if (!timers_->arm(&waiter_, until_)) {
    if (waiter_.tryClaim()) return finishSelf(waiter_, Wake::Cancelled);
  }
  return waiter_.suspend();
}

}  // namespace flow::detail
