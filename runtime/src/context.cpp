// context.cpp — the non-template parts of flow::Context: the thread-local
// "current context" extern code reads, time, turning send and receive
// outcomes into counts and exceptions, and the one coroutine that flushes a
// held or deferred send of any element type.
#include "flow/context.h"

#include "flow/detail/run_shared.h"
#include "flow/stage.h"

namespace flow {
Context::Context(detail::RunShared& run, detail::StageCore* stage, std::int64_t worker) noexcept
    : run_(&run), stage_(stage), counters_(stage ? &stage->counters(worker) : nullptr), worker_(worker) {}

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

bool Context::isCancelled() const noexcept { return run_->isCancelled(); }

void Context::checkpoint() const {
  if (isCancelled()) throw detail::RunCancelled{};
  if (isExpired()) throw detail::ItemTimedOut{};
}

detail::TimerQueue* Context::timers() const noexcept { return &run_->timers; }

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

Task Context::sendOwned(ChannelBase& ch, void* value) {
  detail::SendAwaiter send(ch, value, deadline_, timers());
  const SendStatus st = co_await send;
  makeCurrent();
  noteSent(st);
}

bool Context::receivedValue(detail::Received r) {
  makeCurrent();
  if (r.retry) r.status = RecvStatus::Closed;  // a single input: a close is final
  switch (r.status) {
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
