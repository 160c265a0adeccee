// context.cpp — the non-template parts of flow::Context: the thread-local
// "current context" extern code reads, time, turning send and receive
// outcomes into counts and exceptions, and the one coroutine that flushes a
// held or deferred send of any element type.
#include "flow/context.h"

#include "flow/detail/run_shared.h"
#include "flow/detail/stage_core.h"

namespace flow {
Context::Context(detail::RunShared& run, detail::StageCore* stage, std::int64_t worker) noexcept
    : run_(&run),
      stage_(stage),
      counters_(stage ? &stage->counters(worker) : nullptr),
      timers_(&run.timers),
      worker_(worker) {}

Context::~Context() {
  if (detail::tCurrentContext == this) detail::tCurrentContext = nullptr;
}

Context* Context::current() noexcept { return detail::tCurrentContext; }

std::chrono::nanoseconds Context::now() const noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - run_->start);
}

const std::string& Context::stageName() const noexcept {
  static const std::string kNone;
  return stage_ != nullptr ? stage_->name() : kNone;
}

void Context::seedRandom() noexcept {
  random_.reseed(workerSeed(run_->seed, stageName(), worker_));
  randomSeeded_ = true;
}

bool Context::isCancelled() const noexcept { return run_->isCancelled(); }

void Context::checkpoint() const {
  if (isCancelled()) throw detail::RunCancelled{};
  if (isExpired()) throw detail::ItemTimedOut{};
}

void Context::afterCheckIn() const {
  if (!inFinally_ && isCancelled()) throw detail::RunCancelled{};
  if (isExpired()) throw detail::ItemTimedOut{};
}

namespace detail {
void preempted() {
  if (Scheduler* s = tCurrentScheduler) s->checkIn();
  if (const Context* ctx = tCurrentContext) ctx->afterCheckIn();
}
}  // namespace detail

void Context::notePushed(std::size_t k) noexcept {
  outboxed_ -= k;
  if (counters_ != nullptr && k > 0) detail::WorkerCounters::add(counters_->out, k);
}

detail::Outbox* Context::findOutbox(ChannelBase& ch) {
  // A lone writer's end lock stays in its core: batching saves little there and
  // makes the stream bursty, which slows the consumer. Several writers share
  // the lock's cache line, and batching cuts that traffic. An existing box is
  // found first, whatever writers() says now: the count drops as other workers
  // finish, and a value sent around a box that still holds values would
  // overtake them.
  for (const auto& box : outboxes_) {
    if (box->channel() == &ch) {
      lastOutbox_ = box.get();
      return lastOutbox_;
    }
  }
  if (!ch.isBatchable() || ch.writers() < 2) return nullptr;
  outboxes_.emplace_back(new detail::Outbox(ch));
  lastOutbox_ = outboxes_.back().get();
  lastOutbox_->setLimit(batchLimit_);
  return lastOutbox_;
}

void Context::pushFull(detail::Outbox& box) noexcept {
  if (needsPublish_) return;  // a push already left values behind: publish() after the body
  SendStatus st{};
  notePushed(box.tryPush(st));
  if (box.size() > 0) needsPublish_ = true;  // full, closed or cancelled: publish() sorts it out
}

SendStatus Context::tryPublish() {
  SendStatus result = SendStatus::Ok;
  for (const auto& box : outboxes_) {
    if (box->size() == 0) continue;
    SendStatus st{};
    notePushed(box->tryPush(st));
    if (result == SendStatus::Ok) result = st;
  }
  needsPublish_ = outboxed_ > 0;
  return result;
}

Task Context::publish(SendStatus& st) {
  bool closed = false;
  while (outboxed_ > 0) {
    detail::Outbox* full = nullptr;  // the first box (in first-use order) left with values
    for (const auto& box : outboxes_) {
      if (box->size() == 0) continue;
      SendStatus pushed{};
      notePushed(box->tryPush(pushed));
      if (pushed == SendStatus::Cancelled) {
        st = SendStatus::Cancelled;
        needsPublish_ = true;
        co_return;
      }
      if (pushed == SendStatus::Closed) {  // nobody will ever take these
        if (box->firstWaiting() < droppedFrom_) droppedFrom_ = box->firstWaiting();
        outboxed_ -= box->size();
        box->discard();
        closed = true;
        continue;
      }
      if (box->size() > 0 && full == nullptr) full = box.get();
    }
    if (full == nullptr) break;
    SendStatus waited{};
    co_await full->pushOne(timers(), waited);
    if (waited == SendStatus::Ok) {
      notePushed(1);
    } else if (waited == SendStatus::Closed) {
      if (full->firstWaiting() < droppedFrom_) droppedFrom_ = full->firstWaiting();
      outboxed_ -= full->size();
      full->discard();
      closed = true;
    } else {
      st = SendStatus::Cancelled;
      needsPublish_ = true;
      co_return;
    }
  }
  needsPublish_ = false;
  st = closed ? SendStatus::Closed : SendStatus::Ok;
}

std::uint64_t Context::pushedBelow() const noexcept {
  std::uint64_t below = ~std::uint64_t{0};
  for (const auto& box : outboxes_)
    if (box->size() > 0 && box->firstWaiting() < below) below = box->firstWaiting();
  return below;
}

void Context::discardOutboxes() noexcept {
  for (const auto& box : outboxes_) box->discard();
  outboxed_ = 0;
  needsPublish_ = false;
}

void Context::noteUnsent(SendStatus st) const {
  switch (st) {
    case SendStatus::Ok:
      if (counters_ != nullptr) detail::WorkerCounters::bump(counters_->out);
      return;
    case SendStatus::Dropped:
    case SendStatus::Full:
      return;
    case SendStatus::Timeout:
      throw detail::ItemTimedOut{};
    case SendStatus::Cancelled:
      throw detail::RunCancelled{};
    case SendStatus::Closed:
      throw ItemFailed("send on closed channel");
  }
}

void Context::hold(detail::PendingSend* send) { held_.emplace_back(send); }

void Context::defer(detail::PendingSend* send) { pending_.emplace_back(send); }

void Context::throwTimedOut() { throw detail::ItemTimedOut{}; }

Task Context::sendOwned(ChannelBase& ch, void* value, bool counted) {
  checkSendDeadline();
  detail::SendAwaiter send(ch, value, deadline_, timers(), counted);
  const SendStatus st = co_await send;
  makeCurrent();
  noteSent(st);
}

bool Context::receivedValue(RecvStatus st) {
  makeCurrent();
  switch (st) {
    case RecvStatus::Ok:
      return true;
    case RecvStatus::Closed:
    case RecvStatus::Empty:
      return false;
    case RecvStatus::Timeout:
      throw detail::ItemTimedOut{};
    case RecvStatus::Cancelled:
      throw detail::RunCancelled{};
  }
  return false;
}

}  // namespace flow
