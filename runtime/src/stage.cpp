// stage.cpp — the type-independent half of a stage: the worker loop
// (receive, timeout, retries, on_error, `ordered`, finally), metrics,
// failure logging (first 10 per stage), writer release, and `ordered`
// emission through the reorder buffer. It reaches the typed parts through
// WorkerSlot (flow/detail/stage_runner.h), so it is compiled once here and
// not per generated stage.
#include "flow/detail/stage_core.h"

#include <algorithm>
#include <exception>

#include "flow/detail/run_shared.h"
#include "flow/format.h"

namespace flow::detail {

namespace {
constexpr int kLoggedFailures = 10;

TraceOutcome traceOutcome(ItemOutcome o) noexcept {
  switch (o) {
    case ItemOutcome::Ok:
      return TraceOutcome::Ok;
    case ItemOutcome::Failed:
      return TraceOutcome::Failed;
    case ItemOutcome::TimedOut:
      return TraceOutcome::TimedOut;
    case ItemOutcome::Cancelled:
      return TraceOutcome::Cancelled;
  }
  return TraceOutcome::Failed;
}

/// Classifies the exception being handled; call only inside a catch block.
ItemOutcome classifyFailure(std::string& error) noexcept {
  try {
    throw;
  } catch (const ItemTimedOut&) {
    return ItemOutcome::TimedOut;
  } catch (const RunCancelled&) {
    return ItemOutcome::Cancelled;
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  return ItemOutcome::Failed;
}

/// Runs `body` (not yet started) and classifies how it ended.
Task runGuarded(Context& ctx, Task body, ItemOutcome& outcome, std::string& error) {
  outcome = ItemOutcome::Ok;
  try {
    ctx.makeCurrent();
    co_await body;
  } catch (...) {
    outcome = classifyFailure(error);
  }
}

}  // namespace

Task waitForItem(std::span<ChannelBase* const> inputs, TimerQueue* timers,
                 std::atomic<std::uint64_t>* tickets, std::size_t rotation, void* item, RecvStatus& st,
                 std::uint64_t& seq, Deadline until) {
  if (inputs.size() == 1) {
    // One input: the single-channel receive, with no select nodes (on a
    // capacity-0 channel a plain coroutine wait is an exclusive waiter).
    RecvOneAwaiter one(*inputs[0], item, until, timers, tickets);
    st = co_await one;
    if (st == RecvStatus::Ok) seq = one.ticket();
    co_return;
  }
  Received r;
  do {
    r = co_await RecvAwaiter(inputs, item, until, timers, tickets, rotation);
  } while (r.retry);
  st = r.status;
  if (st == RecvStatus::Ok) seq = r.ticket;
}

Task laneSend(ChannelBase& ch, void* value, TimerQueue* timers, bool& closed) {
  SendAwaiter send(ch, value, kNoDeadline, timers);
  const SendStatus st = co_await send;
  if (st == SendStatus::Cancelled) throw RunCancelled{};
  closed = st == SendStatus::Closed;
}

Task routeSend(ChannelBase& ch, void* value) {
  SendAwaiter send(ch, value, kNoDeadline, nullptr);
  if (co_await send == SendStatus::Cancelled) throw RunCancelled{};
}

namespace {

/// Sends what a plain body deferred, in order, under the item's deadline —
/// also after the body failed, since a coroutine body would have sent them
/// before failing. A drain failure replaces only an Ok outcome (or any, when
/// it is the run's cancellation).
Task drainPending(Context& ctx, ItemOutcome& outcome, std::string& error) {
  try {
    for (auto& send : ctx.pending()) co_await send->flush(ctx);
  } catch (...) {
    std::string drainError;
    const ItemOutcome drained = classifyFailure(drainError);
    if (outcome == ItemOutcome::Ok || drained == ItemOutcome::Cancelled) {
      outcome = drained;
      error = std::move(drainError);
    }
  }
  ctx.pending().clear();
}

/// co_await Requeue{s}: continue later, from the back of s's shared queue.
struct Requeue {
  Scheduler& sched;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const noexcept { sched.scheduleShared(h); }
  void await_resume() const noexcept {}
};

/// Sleeps out a retry backoff; false if the run was cancelled meanwhile.
Task sleepBackoff(Context& ctx, std::chrono::nanoseconds d, bool& cancelled) {
  if (d.count() <= 0) co_return;
  try {
    co_await ctx.sleep(d);
  } catch (const RunCancelled&) {
    cancelled = true;
  }
}

/// Latency: every item at first, then every 64th (two clock reads per item
/// would be a measurable share of a cheap stage).
bool sampleLatency(std::uint64_t nth) noexcept { return nth < 1024 || nth % 64 == 0; }

/// --trace: whether the worker's `nth` item gets a span (one load and a
/// test when there is no trace).
bool tracesItem(const Context& ctx, std::uint64_t nth) noexcept {
  return ctx.traceBuffer() != nullptr && ctx.traceBuffer()->wants(nth);
}

/// Batched publish holds a plain body's values back for about this long at
/// most (the values of limit × item time), so batching never keeps a
/// consumer waiting behind a slow body: a body slower than half of it sends
/// each value at once, as without batching.
constexpr std::int64_t kPublishHoldNs = 20'000;

/// Several workers share an input: each takes at most about this much work
/// (by the sampled body time) per take, so items never wait in one worker's
/// batch while another worker is idle, and cheap bodies still take up to
/// the batch size under one lock.
constexpr std::int64_t kTakeHoldNs = 20'000;

std::size_t takeLimitFor(std::chrono::nanoseconds body) noexcept {
  const std::int64_t ns = body.count() > 0 ? body.count() : 1;
  return static_cast<std::size_t>(
      std::max<std::int64_t>(1, std::min<std::int64_t>(kTakeHoldNs / ns, 1 << 20)));
}

/// Values per channel to collect before a push, for a body that took `body`.
std::size_t batchLimitFor(std::chrono::nanoseconds body) noexcept {
  const std::int64_t ns = body.count() > 0 ? body.count() : 1;
  const std::int64_t n = kPublishHoldNs / ns;
  if (n < 2) return 0;
  return n < static_cast<std::int64_t>(Outbox::kMaxBatch) ? static_cast<std::size_t>(n) : Outbox::kMaxBatch;
}

}  // namespace

ReorderBuffer::ReorderBuffer(std::size_t window) : ring_(window) {}

bool ReorderBuffer::complete(std::uint64_t seq, Held held) {
  std::lock_guard<std::mutex> lock(mu_);
  // Invariant (token window): next_ <= seq < next_ + ring_.size().
  ring_[seq % ring_.size()].emplace(std::move(held));
  if (flushing_ || !ring_[next_ % ring_.size()].has_value()) return false;
  flushing_ = true;
  return true;
}

bool ReorderBuffer::takeNext(Held& out) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<Held>& slot = ring_[next_ % ring_.size()];
  if (!slot.has_value()) {
    flushing_ = false;
    return false;
  }
  out = std::move(*slot);
  slot.reset();
  ++next_;
  return true;
}

StageCore::StageCore(std::string name, StageKind kind, StageOptions opts)
    : name_(std::move(name)), kind_(kind), opts_(opts) {}

StageCore::~StageCore() = default;

std::vector<ChannelBase*> StageCore::writtenChannels() const {
  std::vector<ChannelBase*> out = outputs_;
  if (opts_.onError == OnError::Route && opts_.routeTo != nullptr) out.push_back(opts_.routeTo);
  return out;
}

std::vector<ChannelBase*> StageCore::prepare() {
  for (ChannelBase* ch : writtenChannels()) ch->addWriters(opts_.workers);
  workerCounters_.clear();
  for (std::int64_t w = 0; w < opts_.workers; ++w)
    workerCounters_.push_back(std::make_unique<WorkerCounters>());
  std::vector<ChannelBase*> internal;
  if (isKeyed() && kind_ != StageKind::Source) {
    // One lane per worker, written by the dispatcher alone; the workers and
    // the dispatcher count down `parties_` as they end.
    lanes_.clear();
    for (ChannelBase* lane : makeLanes(opts_.workers)) {
      lanes_.emplace_back(lane);
      lane->addWriters(1);
      internal.push_back(lane);
    }
    parties_.store(opts_.workers + 1, std::memory_order_relaxed);
  }
  if (!opts_.ordered || kind_ == StageKind::Source) return internal;
  const auto window = static_cast<std::size_t>(std::max<std::int64_t>(16, 4 * opts_.workers));
  reorder_ = std::make_unique<ReorderBuffer>(window);
  tokens_ = std::make_unique<Channel<char>>(name_ + "/ordered", static_cast<std::int64_t>(window));
  for (std::size_t i = 0; i < window; ++i) (void)tokens_->trySend('t');
  internal.push_back(tokens_.get());
  return internal;
}

void StageCore::noteUnroutable(RunShared& run, std::uint64_t seq, const std::string& error) {
  sharedCounters_.in.fetch_add(1, std::memory_order_relaxed);
  noteFailure(seq, error, false, 1);
  if (opts_.onError == OnError::Stop) run.cancel(1);
}

Task StageCore::betweenItems() {
  if (Scheduler* sched = Scheduler::current(); sched != nullptr && sched->checkInBetweenItems())
    co_await Requeue{*sched};
}

void StageCore::noteDispatcherHeld(std::size_t n) noexcept {
  sharedCounters_.in.fetch_add(n, std::memory_order_relaxed);
  inFlight_.fetch_add(n, std::memory_order_relaxed);
}

void StageCore::partyDone() noexcept {
  if (parties_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Everyone is done: what a lane still holds was taken from the inputs
  // (and counted received there) but never reached a body — in flight.
  for (const auto& lane : lanes_) {
    const ChannelStats st = lane->stats();
    if (st.sent > st.received) noteDispatcherHeld(static_cast<std::size_t>(st.sent - st.received));
  }
}

WorkerCounters& StageCore::counters(std::int64_t w) noexcept {
  if (w >= 0 && static_cast<std::size_t>(w) < workerCounters_.size())
    return *workerCounters_[static_cast<std::size_t>(w)];
  return sharedCounters_;
}

void StageCore::releaseWriters() noexcept {
  for (ChannelBase* ch : writtenChannels()) ch->releaseWriter();
}

void StageCore::noteFailure(std::uint64_t seq, const std::string& message, bool timedOut, std::size_t items) {
  failed_.fetch_add(items, std::memory_order_relaxed);
  if (timedOut) timedOut_.fetch_add(items, std::memory_order_relaxed);
  if (logged_.fetch_add(1, std::memory_order_relaxed) < kLoggedFailures) {
    if (isBatched())
      eprint(concat("error: stage ", name_, ": batch of ", items, " items from item ", seq, ": ", message));
    else
      eprint(concat("error: stage ", name_, ": item ", seq, ": ", message));
  }
}

void StageCore::logError(const std::string& message) {
  faults_.fetch_add(1, std::memory_order_relaxed);
  eprint(concat("error: stage ", name_, ": ", message));
}

bool StageCore::hasUnhandledFailures() const noexcept {
  if (faults_.load(std::memory_order_relaxed) > 0) return true;
  return opts_.onError == OnError::Unhandled && failed_.load(std::memory_order_relaxed) > 0;
}

std::string StageCore::timeoutMessage() const { return concat("timed out after ", opts_.timeout); }

StageStats StageCore::stats() const {
  StageStats s;
  s.name = name_;
  s.kind = kind_;
  s.workers = opts_.workers;
  auto sum = [&](std::atomic<std::uint64_t> WorkerCounters::*field) {
    std::uint64_t total = (sharedCounters_.*field).load(std::memory_order_relaxed);
    for (const auto& c : workerCounters_) total += ((*c).*field).load(std::memory_order_relaxed);
    return total;
  };
  s.in = sum(&WorkerCounters::in);
  s.out = sum(&WorkerCounters::out);
  s.completed = sum(&WorkerCounters::completed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.retried = retried_.load(std::memory_order_relaxed);
  s.timedOut = timedOut_.load(std::memory_order_relaxed);
  s.inFlight = inFlight_.load(std::memory_order_relaxed);
  s.p50ns = latency_.quantile(0.50);
  s.p99ns = latency_.quantile(0.99);
  s.latencySamples = latency_.count();
  s.latencySumNs = latency_.sumNanos();
  s.timeoutNs = opts_.timeout.count();
  for (const ChannelBase* ch : inputChannels()) s.inputs.push_back(ch->name());
  for (const ChannelBase* ch : writtenChannels()) s.outputs.push_back(ch->name());
  s.latency = &latency_;
  return s;
}

// ---- the worker loop ------------------------------------------------------

Task StageCore::runWorker(RunShared& run, std::int64_t worker) {
  Context ctx(run, this, worker);
  if (static_cast<std::size_t>(worker) < traceBuffers_.size())
    ctx.setTraceBuffer(traceBuffers_[static_cast<std::size_t>(worker)]);
  std::unique_ptr<WorkerSlot> w(makeWorker(worker));
  bool haveState = true;
  try {
    ctx.makeCurrent();
    w->initState(ctx);
  } catch (const std::exception& e) {
    logError("worker " + std::to_string(worker) + ": state: " + e.what());
    haveState = false;
  }
  if (haveState) {
    if (kind_ == StageKind::Source) {
      bool cancelled = false;
      co_await runItem(run, ctx, *w, static_cast<std::uint64_t>(worker), cancelled);
    } else {
      co_await receiveLoop(run, ctx, *w);
      // `every` once more, so nothing accumulated since the last tick is
      // lost — but never once the run is cancelled.
      bool cancelled = false;
      if (opts_.every.count() > 0 && !run.isCancelled()) co_await tick(run, ctx, *w, nullptr, cancelled);
    }
    ItemOutcome outcome = ItemOutcome::Ok;
    std::string error;
    ctx.setInFinally(true);
    co_await runGuarded(ctx, w->runFinally(ctx), outcome, error);
    ctx.setInFinally(false);
    if (outcome == ItemOutcome::Failed) logError("worker " + std::to_string(worker) + ": finally: " + error);
  }
  if (isKeyed() && kind_ != StageKind::Source) partyDone();
  releaseWriters();
}

Task StageCore::tick(RunShared& run, Context& ctx, WorkerSlot& w, FastLoop* fast, bool& cancelled) {
  if (fast != nullptr && ctx.outboxed() > 0) {
    bool ok = true;
    co_await publishWaiting(run, ctx, *fast, ok);
    if (!ok) {
      cancelled = true;
      co_return;
    }
  }
  if (run.isCancelled()) {
    cancelled = true;
    co_return;
  }
  ItemOutcome outcome = ItemOutcome::Ok;
  std::string error;
  co_await runGuarded(ctx, w.runTick(ctx), outcome, error);
  if (outcome == ItemOutcome::Cancelled) cancelled = true;
  if (outcome == ItemOutcome::Failed)
    logError("worker " + std::to_string(ctx.worker()) + ": every: " + error);
}

Task StageCore::receiveLoop(RunShared& run, Context& ctx, WorkerSlot& w) {
  WorkerCounters& counters = this->counters(ctx.worker());
  Channel<char>* tokens = tokens_.get();
  // The fast path: a plain body with no per-item policy runs inline here,
  // with no coroutine frame per item, and its posts are batched.
  const bool simple = w.isPlain() && opts_.timeout.count() == 0 && opts_.retries == 0 && !opts_.ordered &&
                      opts_.onError != OnError::Route && !isBatched();
  // `every`: the next tick; the wait for input ends there too.
  const bool ticking = opts_.every.count() > 0;
  Deadline nextTick = ticking ? deadlineAfter(opts_.every) : kNoDeadline;
  // Posts are batched only to channels with several writers (Context::findOutbox).
  bool shared = false;
  for (ChannelBase* ch : outputs_) shared = shared || ch->writers() > 1;
  const bool batching = simple && shared;
  const bool sizeTakes = w.sharesBatches();
  const bool adapt = batching || sizeTakes;  // the loop samples body times to size batches
  FastLoop fast;
  bool cancelled = false;
  for (;;) {
    // A preemption point per item, whatever the body. It also sees the
    // run's cancellation: cancel() sets every thread's check-in word for
    // good (Scheduler::requestCheckIns).
    if (tPreempt->load(std::memory_order_relaxed) != 0) [[unlikely]] {
      if (run.isCancelled()) break;
      if (Scheduler* sched = Scheduler::current(); sched != nullptr && sched->checkInBetweenItems())
        co_await Requeue{*sched};
    }
    if (ticking) {
      const auto now = Clock::now();
      if (now >= nextTick) {
        co_await tick(run, ctx, w, &fast, cancelled);
        if (cancelled) break;
        // Ticks that were missed (a long item) are not made up.
        nextTick += std::chrono::duration_cast<Clock::duration>(opts_.every);
        if (nextTick <= now) nextTick = deadlineAfter(opts_.every);
      }
    }
    std::uint64_t seq = 0;
    if (tokens != nullptr) {  // `ordered`: a window token before each item
      std::optional<char> token;
      ChannelBase* const tokenChannel = tokens;
      const Received t = co_await RecvAwaiter(std::span<ChannelBase* const>(&tokenChannel, 1), &token,
                                              kNoDeadline, ctx.timers(), nullptr, 0);
      if (t.status != RecvStatus::Ok) break;
    }
    RecvStatus st = w.tryTake(seq);
    if (st != RecvStatus::Ok) {
      if (ctx.outboxed() > 0) {  // about to wait for input: publish the batch first
        bool ok = true;
        co_await publishWaiting(run, ctx, fast, ok);
        if (!ok) {
          cancelled = true;
          break;
        }
      }
      co_await w.waitTake(ctx, st, seq, nextTick);
      if (st != RecvStatus::Ok) {
        if (tokens != nullptr) (void)tokens->trySend('t');
        if (st == RecvStatus::Timeout) continue;  // a tick is due
        break;
      }
    }
    WorkerCounters::add(counters.in, w.takenItems());
    if (!simple) {
      co_await runItem(run, ctx, w, seq, cancelled);
      if (cancelled) break;
      continue;
    }
    // No item number kept in the frame: Context::currentItem() has it.
    const bool clocked = sampleLatency(ctx.countItem()) || tracesItem(ctx, ctx.currentItem());
    const auto started = clocked ? Clock::now() : Clock::time_point{};
    ItemOutcome outcome = ItemOutcome::Ok;
    try {
      tCurrentContext = &ctx;  // makeCurrent() without a deadline to publish
      w.runPlain(ctx, false);
    } catch (...) {
      outcome = classifyFailure(fast.error);
    }
    if (adapt) {
      if (clocked && sampleLatency(ctx.currentItem())) {
        const std::chrono::nanoseconds took = Clock::now() - started;
        if (sizeTakes) w.setTakeLimit(takeLimitFor(took));
        if (batching) ctx.setBatchLimit(batchLimitFor(took));
      }
      if (batching) {
        if (ctx.outboxed() == 0) {
          fast.heldFor = 0;
        } else if (++fast.heldFor >= ctx.batchLimit()) {
          (void)ctx.tryPublish();  // held back for `limit` items: out they go
          if (ctx.outboxed() == 0) fast.heldFor = 0;
        }
      }
    }
    if (outcome == ItemOutcome::Ok && !ctx.needsPublish() &&
        ctx.pending().empty()) {  // the common case, inline
      WorkerCounters::bump(counters.completed);
      if (batching) fast.recent[fast.next++ % FastLoop::kRecent] = {seq, ctx.outboxAdds()};
      if (clocked) noteItemTime(ctx, seq, started, TraceOutcome::Ok);
      continue;
    }
    // A failure, or a push found its channel full, or a send was deferred:
    // publish the outboxes (waiting), then the deferred sends — each
    // channel in order.
    if (outcome == ItemOutcome::Ok && ctx.pending().empty()) {
      // Only the publish is left: the item counts as completed now, and the
      // publish settles it with the recent ones if the run is cancelled. Its
      // time includes the wait for room, as an unbatched send's would.
      finishItem(run, ctx, seq, outcome, fast.error, std::chrono::nanoseconds(-1));
      fast.recent[fast.next++ % FastLoop::kRecent] = {seq, ctx.outboxAdds()};
      bool ok = true;
      co_await publishWaiting(run, ctx, fast, ok);
      if (!ok) {
        cancelled = true;
        break;
      }
      if (clocked) noteItemTime(ctx, seq, started, TraceOutcome::Ok);
      continue;
    }
    if (outcome != ItemOutcome::Cancelled && (ctx.needsPublish() || !ctx.pending().empty())) {
      bool ok = true;
      if (ctx.outboxed() > 0) co_await publishWaiting(run, ctx, fast, ok);
      if (!ok) outcome = ItemOutcome::Cancelled;
      if (ok && !ctx.pending().empty()) co_await drainPending(ctx, outcome, fast.error);
    }
    ctx.pending().clear();
    if (clocked) traceItem(ctx, seq, started, traceOutcome(outcome));
    if (outcome == ItemOutcome::Cancelled) {
      inFlight_.fetch_add(1, std::memory_order_relaxed);
      cancelled = true;
      break;
    }
    finishItem(run, ctx, seq, outcome, fast.error,
               sampleLatency(ctx.currentItem()) ? Clock::now() - started : std::chrono::nanoseconds(-1));
    if (outcome == ItemOutcome::Ok) fast.recent[fast.next++ % FastLoop::kRecent] = {seq, ctx.outboxAdds()};
  }
  if (ctx.outboxed() > 0 && !cancelled && !run.isCancelled()) {
    bool ok = true;
    co_await publishWaiting(run, ctx, fast, ok);
  }
  // Whatever still waits stays unsent: the run was cancelled.
  if (ctx.outboxed() > 0) settleRecent(run, ctx, fast, true);
  ctx.discardOutboxes();
  ctx.setBatchLimit(0);
  // Taken from the channel in a batch but never started: in flight.
  for (std::size_t n = w.discardTaken(); n > 0; --n) {
    WorkerCounters::bump(counters.in);
    inFlight_.fetch_add(1, std::memory_order_relaxed);
  }
}

Task StageCore::publishWaiting(RunShared& run, Context& ctx, FastLoop& f, bool& ok) {
  SendStatus published = SendStatus::Ok;
  co_await ctx.publish(published);
  ok = published != SendStatus::Cancelled;
  if (published == SendStatus::Closed) settleRecent(run, ctx, f, false);
  if (ctx.outboxed() == 0) f.heldFor = 0;
}

void StageCore::settleRecent(RunShared& run, Context& ctx, FastLoop& f, bool cancelled) {
  const std::uint64_t dropped = ctx.takeDroppedFrom();  // values from here on a closed channel dropped
  const std::uint64_t waiting = cancelled ? ctx.pushedBelow() : ~std::uint64_t{0};
  WorkerCounters& counters = this->counters(ctx.worker());
  for (FastLoop::Done& item : f.recent) {
    if (item.mark == 0) continue;
    if (item.mark > dropped) {
      // A closed channel dropped some of its values (only hand-written C++
      // or a host can close a channel under its writers).
      counters.completed.store(counters.completed.load(std::memory_order_relaxed) - 1,
                               std::memory_order_relaxed);
      finishItem(run, ctx, item.seq, ItemOutcome::Failed, "send on closed channel",
                 std::chrono::nanoseconds(-1));
      item.mark = 0;
    } else if (item.mark > waiting) {
      // Some of its values never went out: as if its body stopped in a send.
      counters.completed.store(counters.completed.load(std::memory_order_relaxed) - 1,
                               std::memory_order_relaxed);
      inFlight_.fetch_add(1, std::memory_order_relaxed);
      item.mark = 0;
    }
  }
}

void StageCore::noteItemTime(Context& ctx, std::uint64_t seq, Clock::time_point started,
                             TraceOutcome outcome) {
  const auto ended = Clock::now();
  const std::uint64_t nth = ctx.currentItem();
  if (sampleLatency(nth)) latency_.record((ended - started).count());
  if (tracesItem(ctx, nth)) ctx.traceBuffer()->span(nth, seq, started, ended, outcome);
}

void StageCore::traceItem(Context& ctx, std::uint64_t seq, Clock::time_point started, TraceOutcome outcome) {
  const std::uint64_t nth = ctx.currentItem();
  if (tracesItem(ctx, nth)) ctx.traceBuffer()->span(nth, seq, started, Clock::now(), outcome);
}

void StageCore::finishItem(RunShared& run, Context& ctx, std::uint64_t seq, ItemOutcome outcome,
                           const std::string& error, std::chrono::nanoseconds latency, std::size_t items) {
  if (outcome == ItemOutcome::Ok) {
    WorkerCounters::add(counters(ctx.worker()).completed, items);
    if (latency.count() >= 0) latency_.record(latency.count());
    return;
  }
  const bool timedOut = outcome == ItemOutcome::TimedOut;
  noteFailure(seq, timedOut ? timeoutMessage() : error, timedOut, items);
  if (opts_.onError == OnError::Stop) run.cancel(1);
}

Task StageCore::runItem(RunShared& run, Context& ctx, WorkerSlot& w, std::uint64_t seq, bool& cancelled) {
  const bool keepItem = opts_.retries > 0 || opts_.onError == OnError::Route;
  const std::size_t items = kind_ == StageKind::Source ? 1 : w.takenItems();
  const std::uint64_t nth = ctx.countItem();
  const bool timed = sampleLatency(nth);
  TraceBuffer* const trace = ctx.traceBuffer();
  const bool clocked = timed || tracesItem(ctx, nth);
  const auto started = clocked ? Clock::now() : Clock::time_point{};
  ItemOutcome outcome = ItemOutcome::Ok;
  std::string error;
  std::int64_t attempts = 0;  // times the body ran
  for (std::int64_t attempt = 0;; ++attempt) {
    ++attempts;
    ctx.setDeadline(opts_.timeout.count() > 0 ? deadlineAfter(opts_.timeout) : kNoDeadline);
    ctx.setHolding(opts_.ordered && kind_ != StageKind::Source);
    ctx.held().clear();
    outcome = ItemOutcome::Ok;
    if (w.isPlain()) {
      try {
        ctx.makeCurrent();
        w.runPlain(ctx, keepItem);
      } catch (...) {
        outcome = classifyFailure(error);
      }
      if (outcome != ItemOutcome::Cancelled && !ctx.pending().empty())
        co_await drainPending(ctx, outcome, error);
      ctx.pending().clear();
    } else {
      co_await runGuarded(ctx, w.runTask(ctx, keepItem), outcome, error);
    }
    ctx.setDeadline(kNoDeadline);
    ctx.setHolding(false);
    if (outcome == ItemOutcome::Ok || outcome == ItemOutcome::Cancelled) break;
    if (trace != nullptr && outcome == ItemOutcome::TimedOut)
      trace->instant(TraceEvent::Kind::Timeout, seq, attempt + 1);
    if (attempt >= opts_.retries || run.isCancelled()) break;
    retried_.fetch_add(items, std::memory_order_relaxed);
    if (trace != nullptr) trace->instant(TraceEvent::Kind::Retry, seq, attempt + 2);
    co_await sleepBackoff(ctx, opts_.backoff * (std::int64_t{1} << std::min<std::int64_t>(attempt, 30)),
                          cancelled);
    if (cancelled) {
      outcome = ItemOutcome::Cancelled;
      break;
    }
  }
  if (clocked) traceItem(ctx, seq, started, traceOutcome(outcome));
  if (outcome == ItemOutcome::Cancelled) {
    inFlight_.fetch_add(items, std::memory_order_relaxed);
    cancelled = true;
    co_return;
  }
  ReorderBuffer::Held held = std::move(ctx.held());
  ctx.held().clear();
  const std::chrono::nanoseconds took = timed ? Clock::now() - started : std::chrono::nanoseconds(-1);
  if (timed && w.sharesBatches()) w.setTakeLimit(takeLimitFor(took));
  finishItem(run, ctx, seq, outcome, error, took, items);
  if (outcome != ItemOutcome::Ok) {
    held.clear();  // a failed item emits nothing
    if (opts_.onError == OnError::Route) {
      const std::string reason = outcome == ItemOutcome::TimedOut ? timeoutMessage() : error;
      if (std::unique_ptr<PendingSend> routed = w.routeCurrent(reason, attempts)) {
        ItemOutcome routeOutcome = ItemOutcome::Ok;
        std::string routeError;
        co_await runGuarded(ctx, routed->flush(ctx), routeOutcome, routeError);
        if (routeOutcome == ItemOutcome::Cancelled) cancelled = true;
      }
    }
  }
  if (opts_.ordered && kind_ != StageKind::Source && !cancelled)
    co_await completeOrdered(ctx, seq, std::move(held), cancelled);
}

Task StageCore::completeOrdered(Context& ctx, std::uint64_t seq, ReorderBuffer::Held held, bool& cancelled) {
  ReorderBuffer& buffer = *reorder_;
  if (!buffer.complete(seq, std::move(held))) co_return;
  ReorderBuffer::Held batch;
  while (buffer.takeNext(batch)) {
    try {
      for (auto& send : batch) co_await send->flush(ctx);
    } catch (const RunCancelled&) {
      cancelled = true;
      co_return;  // the run is ending; nobody flushes after us
    } catch (const std::exception& e) {
      logError(std::string("ordered emit: ") + e.what());
    }
    batch.clear();
    (void)tokens_->trySend('t');  // the window moves on by one item
  }
}

}  // namespace flow::detail
