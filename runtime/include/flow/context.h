// flow/context.h — flow::Context, what a running stage body sees: its
// worker index, the current item's deadline, the run's cancellation, and
// the awaitable send/receive/sleep operations the generated code co_awaits.
// Operations take the item's deadline into account and turn expected
// outcomes into the exceptions that unwind a body (errors.h):
// ItemTimedOut when the item's deadline passes, RunCancelled when the run
// is being cancelled. Extern C++ code reaches the running item through
// Context::current() (valid on the calling thread while a body runs).
// Does not schedule or retry anything: the worker loop (stage.h) does.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flow/channel.h"
#include "flow/detail/channel_await.h"
#include "flow/detail/outbox.h"
#include "flow/detail/preempt.h"
#include "flow/detail/scheduler.h"
#include "flow/detail/worker_counters.h"
#include "flow/errors.h"
#include "flow/random.h"
#include "flow/task.h"
#include "flow/time.h"

namespace flow {

class Context;

namespace detail {
class StageCore;
class TraceBuffer;
struct RunShared;
/// The context of the body running on this thread (Context::current()).
inline thread_local Context* tCurrentContext = nullptr;
/// A send not done yet: held back by an `ordered` stage until its item's
/// turn, deferred by a plain body because the channel was full, or a failed
/// item on its way to the route channel.
struct PendingSend {
  virtual ~PendingSend() = default;
  virtual Task flush(Context& ctx) = 0;
};

}  // namespace detail

class Context {
 public:
  Context(detail::RunShared& run, detail::StageCore* stage, std::int64_t worker) noexcept;
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  /// `co_await ctx.send(ch, v)`: waits for room (bounded by the item's
  /// deadline). In an `ordered` stage the value is held until earlier items
  /// have been emitted. Throws ItemTimedOut / RunCancelled / ItemFailed
  /// (channel closed).
  template <class T, class U>
  auto send(Channel<T>& ch, U&& value);
  /// `emit v` in a plain body (one that cannot suspend): sends now if the
  /// channel has room, else defers the send to pending(), which the worker
  /// loop drains (waiting, under the item's deadline) once the body returns.
  /// Once one send is deferred, later ones are too, so each channel still
  /// sees this worker's values in order. In an `ordered` stage the value is
  /// held like send()'s. Throws RunCancelled / ItemFailed (channel closed).
  /// While the worker loop batches (setBatchLimit, only for stages without
  /// timeout, retries, `ordered` or route), a value for a batchable channel
  /// goes to that channel's Outbox instead and is pushed with the box.
  template <class T, class U>
  void post(Channel<T>& ch, U&& value);
  /// `try ch <- v`: true if accepted (or dropped by the channel's overflow
  /// policy), false if full — or if this item has deferred sends waiting
  /// (the value would overtake them). Never waits; never held back by
  /// `ordered`.
  template <class T, class U>
  [[nodiscard]] bool trySend(Channel<T>& ch, U&& value);
  /// `co_await ctx.recv(ch)`: the next value, or std::nullopt once `ch` is
  /// closed and drained. Bounded by the item's deadline. (Not used by
  /// generated stage bodies — their input comes from the runner — but lets
  /// hand-written C++ such as a ping-pong benchmark use channels freely.)
  template <class T>
  auto recv(Channel<T>& ch);
  /// `co_await ctx.sleep(d)`: stops early at the item's deadline
  /// (ItemTimedOut) or on cancellation (RunCancelled).
  auto sleep(std::chrono::nanoseconds d);
  /// `fail "msg"`: fails the current item.
  [[noreturn]] void fail(const std::string& message) const { throw ItemFailed(message); }

  [[nodiscard]] std::int64_t worker() const noexcept { return worker_; }
  /// Monotonic time since the pipeline started.
  [[nodiscard]] std::chrono::nanoseconds now() const noexcept;
  [[nodiscard]] const std::string& stageName() const noexcept;
  /// This worker's generator for rand_int/rand_float, seeded on first use
  /// from the run's seed, the stage's name and the worker's index.
  [[nodiscard]] Random& random() noexcept {
    if (!randomSeeded_) seedRandom();
    return random_;
  }

  // ---- for extern C++ code ----------------------------------------------
  /// The context of the body running on this thread, or null outside one.
  static Context* current() noexcept;
  /// The current item's deadline (kNoDeadline without a `timeout`).
  [[nodiscard]] Deadline deadline() const noexcept { return deadline_; }
  [[nodiscard]] bool isExpired() const noexcept {
    return deadline_ != kNoDeadline && Clock::now() >= deadline_;
  }
  [[nodiscard]] bool isCancelled() const noexcept;
  /// Throws ItemTimedOut / RunCancelled if the item should stop now; a long
  /// CPU-bound extern function can call it now and then.
  void checkpoint() const;

  // ---- runtime internals (stage runner) ---------------------------------
  /// This context's body runs on the calling thread now (also after every
  /// resume): Context::current(), and the item deadline the scheduler's
  /// monitor watches on this thread.
  void makeCurrent() noexcept {
    detail::tCurrentContext = this;
    if (timed_) detail::Scheduler::noteDeadline(deadline_);
  }
  /// The run this context belongs to (its scheduler and services).
  [[nodiscard]] detail::RunShared& runShared() const noexcept { return *run_; }
  void setDeadline(Deadline d) noexcept {
    deadline_ = d;
    timed_ = d != kNoDeadline;
    if (timed_) detail::Scheduler::noteDeadline(d);
  }
  /// While `finally` runs: a preemption point does not end it on
  /// cancellation (sends still do), so a summary it prints comes out whole.
  void setInFinally(bool on) noexcept { inFinally_ = on; }
  /// flow::poll()'s slow path, after the scheduler took the check-in:
  /// throws RunCancelled (the run is being cancelled, outside `finally`) or
  /// ItemTimedOut (the item's deadline has passed).
  void afterCheckIn() const;
  /// This worker's trace buffer (`--trace`), or null.
  [[nodiscard]] detail::TraceBuffer* traceBuffer() const noexcept { return trace_; }
  void setTraceBuffer(detail::TraceBuffer* b) noexcept { trace_ = b; }
  void setHolding(bool on) noexcept { holding_ = on; }
  /// Items this worker has started so far (counts up on each call).
  std::uint64_t countItem() noexcept { return items_++; }
  /// What the last countItem() returned: the running item's number among
  /// this worker's items.
  [[nodiscard]] std::uint64_t currentItem() const noexcept { return items_ - 1; }
  [[nodiscard]] bool isHolding() const noexcept { return holding_; }
  std::vector<std::unique_ptr<detail::PendingSend>>& held() noexcept { return held_; }
  /// Sends deferred by post(), in order.
  std::vector<std::unique_ptr<detail::PendingSend>>& pending() noexcept { return pending_; }
  [[nodiscard]] detail::TimerQueue* timers() const noexcept { return timers_; }
  // ---- batched publish (worker loop of a plain body; see detail::Outbox) --
  /// Up to `n` values per channel are collected before a push (0 or 1: no
  /// batching; values already collected still go out in order).
  void setBatchLimit(std::size_t n) noexcept {
    batchLimit_ = n;
    for (const auto& box : outboxes_) box->setLimit(n);
  }
  [[nodiscard]] std::size_t batchLimit() const noexcept { return batchLimit_; }
  /// Values waiting in outboxes.
  [[nodiscard]] std::size_t outboxed() const noexcept { return outboxed_; }
  /// Values ever added to an outbox (tells whether a body added any).
  [[nodiscard]] std::uint64_t outboxAdds() const noexcept { return outboxAdds_; }
  /// True once a push left values behind (full, closed or cancelled): the
  /// worker loop must publish() before the next item.
  [[nodiscard]] bool needsPublish() const noexcept { return needsPublish_; }
  /// Pushes what fits of every outbox, counting `out`. Returns Ok, or
  /// Cancelled / Closed if a channel said so (its values stay). Never blocks.
  SendStatus tryPublish();
  /// Pushes every outbox, waiting (no deadline) for room, in the order the
  /// channels were first posted to; counts `out`. Sets `st` to Ok (all
  /// out), Closed (some channel was closed: its values are dropped, the
  /// others still went out) or Cancelled (stopped; the rest wait — call
  /// discardOutboxes()).
  Task publish(SendStatus& st);
  /// Every value numbered below this (see Outbox::firstWaiting) has been
  /// pushed; UINT64_MAX when no value waits.
  [[nodiscard]] std::uint64_t pushedBelow() const noexcept;
  /// The lowest number (see Outbox::firstWaiting) of a value publish()
  /// dropped because its channel was closed, UINT64_MAX if none; resets it.
  std::uint64_t takeDroppedFrom() noexcept {
    const std::uint64_t n = droppedFrom_;
    droppedFrom_ = ~std::uint64_t{0};
    return n;
  }
  /// Forgets every waiting value.
  void discardOutboxes() noexcept;

  /// Counts `out`; throws for Timeout/Cancelled/Closed.
  void noteSent(SendStatus st) const {
    if (st == SendStatus::Ok) {
      if (counters_ != nullptr) detail::WorkerCounters::bump(counters_->out);
      return;
    }
    noteUnsent(st);
  }

 private:
  template <class T>
  class SendOp;
  template <class T>
  class RecvOp;
  class SleepOp;
  template <class T>
  struct HeldSend;

  void noteUnsent(SendStatus st) const;  // the rare outcomes of noteSent
  /// A send never goes out after the item's deadline, even into room: throws
  /// ItemTimedOut then. One flag test for an item without a `timeout`.
  void checkSendDeadline() const {
    if (timed_) [[unlikely]]
      if (Clock::now() >= deadline_) throwTimedOut();
  }
  [[noreturn]] static void throwTimedOut();
  void seedRandom() noexcept;
  /// Take ownership of a fresh held (`ordered`) / deferred (post) send;
  /// out of line, so no vector code is instantiated per element type.
  void hold(detail::PendingSend* send);
  void defer(detail::PendingSend* send);
  /// As `co_await send(ch, v)` for a value `*value` the caller owns and
  /// keeps in place (a held or deferred send): one coroutine for every
  /// element type.
  Task sendOwned(ChannelBase& ch, void* value, bool counted);
  /// recv()'s outcome: true for a value, false once closed; throws
  /// ItemTimedOut / RunCancelled.
  bool receivedValue(RecvStatus st);
  /// The outbox for `ch` (made on first use), or null if `ch` is not
  /// batchable. Out of line from post(): it runs when post() switches channel.
  detail::Outbox* findOutbox(ChannelBase& ch);
  /// post(): `box` reached its limit; pushes what fits (never waits).
  void pushFull(detail::Outbox& box) noexcept;
  /// Counts `k` values pushed from outboxes as `out`.
  void notePushed(std::size_t k) noexcept;

  detail::RunShared* run_;
  detail::StageCore* stage_;              // null for bare contexts (tests, benchmarks)
  detail::WorkerCounters* counters_;      // this worker's (null for bare contexts)
  detail::TimerQueue* timers_;            // the run's (inline for every send's awaiter)
  detail::TraceBuffer* trace_ = nullptr;  // --trace: this worker's events
  std::int64_t worker_;
  Deadline deadline_ = kNoDeadline;
  bool timed_ = false;    // deadline_ != kNoDeadline
  bool holding_ = false;  // an ordered stage is running an item: hold sends
  bool inFinally_ = false;
  bool randomSeeded_ = false;
  Random random_;
  std::uint64_t items_ = 0;
  std::vector<std::unique_ptr<detail::PendingSend>> held_;
  std::vector<std::unique_ptr<detail::PendingSend>> pending_;
  // Batched publish: a box per channel posted to, in first-use order.
  std::size_t batchLimit_ = 0;                     // 0/1: post sends at once (unless values wait)
  std::size_t outboxed_ = 0;                       // values waiting, over every box
  std::uint64_t outboxAdds_ = 0;                   // values ever added
  bool needsPublish_ = false;                      // a push left values behind
  std::uint64_t droppedFrom_ = ~std::uint64_t{0};  // see takeDroppedFrom()
  detail::Outbox* lastOutbox_ = nullptr;           // the box post() used last
  std::vector<std::unique_ptr<detail::Outbox>> outboxes_;
};

template <class T>
class Context::SendOp {
 public:
  SendOp(Context& ctx, Channel<T>& ch, T v)
      : ctx_(ctx), ch_(ch), value_(std::move(v)), inner_(ch, &value_, ctx.deadline_, ctx.timers()) {}
  bool await_ready() {
    if (ctx_.holding_) {
      ctx_.hold(new HeldSend<T>(ch_, std::move(value_)));
      held_ = true;
      return true;
    }
    return inner_.await_ready();
  }
  bool await_suspend(std::coroutine_handle<> h) { return inner_.await_suspend(h); }
  void await_resume() {
    ctx_.makeCurrent();
    if (held_) return;
    ctx_.noteSent(inner_.await_resume());
  }

 private:
  Context& ctx_;
  Channel<T>& ch_;
  T value_;  // inner_ points at it: declared first
  detail::SendAwaiter inner_;
  bool held_ = false;
};

template <class T>
struct Context::HeldSend final : detail::PendingSend {
  HeldSend(Channel<T>& c, T v, bool wasCounted = false) : ch(c), value(std::move(v)), counted(wasCounted) {}
  Task flush(Context& ctx) override { return ctx.sendOwned(ch, &value, counted); }
  Channel<T>& ch;
  T value;
  bool counted;  // deferred because the channel was full: that wait is counted
};

template <class T>
class Context::RecvOp {
 public:
  RecvOp(Context& ctx, Channel<T>& ch) : ctx_(ctx), inner_(ch, &slot_, ctx.deadline_, ctx.timers()) {}
  bool await_ready() { return inner_.await_ready(); }
  bool await_suspend(std::coroutine_handle<> h) { return inner_.await_suspend(h); }
  std::optional<T> await_resume() {
    if (ctx_.receivedValue(inner_.await_resume())) return std::move(slot_);
    return std::nullopt;
  }

 private:
  Context& ctx_;
  std::optional<T> slot_;  // inner_ delivers into it: declared first
  detail::RecvOneAwaiter inner_;
};

class Context::SleepOp {
 public:
  SleepOp(Context& ctx, Deadline until, bool itemLimited)
      : ctx_(ctx), inner_(until, ctx.timers()), itemLimited_(itemLimited) {}
  bool await_ready() const { return inner_.await_ready(); }
  bool await_suspend(std::coroutine_handle<> h) { return inner_.await_suspend(h); }
  void await_resume() {
    ctx_.makeCurrent();
    if (!inner_.await_resume()) throw detail::RunCancelled{};
    if (itemLimited_) throw detail::ItemTimedOut{};
  }

 private:
  Context& ctx_;
  detail::SleepAwaiter inner_;
  bool itemLimited_;
};

template <class T, class U>
auto Context::send(Channel<T>& ch, U&& value) {
  checkSendDeadline();
  return SendOp<T>(*this, ch, T(std::forward<U>(value)));
}

template <class T, class U>
void Context::post(Channel<T>& ch, U&& value) {
  checkSendDeadline();
  T v(std::forward<U>(value));
  if (holding_) {
    hold(new HeldSend<T>(ch, std::move(v)));
    return;
  }
  if (pending_.empty()) {
    if (batchLimit_ > 1 || outboxed_ > 0) {
      detail::Outbox* last = lastOutbox_;
      detail::Outbox* box = last != nullptr && last->channel() == &ch ? last : findOutbox(ch);
      if (box != nullptr) {
        box->add(&v, outboxAdds_++);
        ++outboxed_;
        // Full, or its consumer is parked (holding values back would only
        // keep it idle): push now.
        if (box->size() >= box->limit() || ch.hasParkedReceiver()) pushFull(*box);
        return;
      }
    }
    SendStatus st{};
    (void)ch.sendCore(&v, nullptr, st);  // never queues without a node; leaves v when Full
    if (st != SendStatus::Full) return noteSent(st);
    ch.noteWaitedSends(1);
    defer(new HeldSend<T>(ch, std::move(v), true));
    return;
  }
  defer(new HeldSend<T>(ch, std::move(v)));
}

template <class T, class U>
bool Context::trySend(Channel<T>& ch, U&& value) {
  checkSendDeadline();
  if (!pending_.empty()) return false;
  if (outboxed_ > 0) {  // batched values go first; if some cannot, this one waits too
    (void)tryPublish();
    if (outboxed_ > 0) return false;
  }
  const SendStatus st = ch.trySend(T(std::forward<U>(value)));
  if (st == SendStatus::Full) return false;
  noteSent(st);
  return true;
}

template <class T>
auto Context::recv(Channel<T>& ch) {
  return RecvOp<T>(*this, ch);
}

inline auto Context::sleep(std::chrono::nanoseconds d) {
  Deadline until = deadlineAfter(d);
  const bool itemLimited = deadline_ < until;
  if (itemLimited) until = deadline_;
  return SleepOp(*this, until, itemLimited);
}

}  // namespace flow
