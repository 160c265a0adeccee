// flow/detail/stage_core.h — the runtime's side of a stage, internal to
// the library and to the code flowc generates: StageCore (the worker loop,
// compiled once), WorkerSlot (its view of the typed half), the reorder
// buffer of `ordered` stages and the outcome of one item. Hosts use
// Pipeline and flow/stage.h, never these.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "flow/channel.h"
#include "flow/context.h"
#include "flow/detail/histogram.h"
#include "flow/detail/trace.h"
#include "flow/stage.h"

namespace flow::detail {

/// Emits the outputs of an `ordered` stage in input order. Items carry a
/// dense sequence number; a finished item's held sends wait in a ring until
/// every earlier item has finished. Memory bound: at most `window` items
/// (each with its held sends) are buffered, because a worker must take one
/// of `window` tokens before receiving an item and the token comes back only
/// when that item has been emitted. window = max(16, 4 × workers).
class ReorderBuffer {
 public:
  using Held = std::vector<std::unique_ptr<PendingSend>>;
  explicit ReorderBuffer(std::size_t window);
  /// Item `seq` finished (with possibly no sends). Returns true if the
  /// caller became the flusher and must call takeNext() until it is false.
  [[nodiscard]] bool complete(std::uint64_t seq, Held held);
  /// Flusher only: the next item's sends in order, or false (and the caller
  /// stops being the flusher) when the next item has not finished yet.
  [[nodiscard]] bool takeNext(Held& out);
  [[nodiscard]] std::size_t window() const noexcept { return ring_.size(); }

 private:
  std::mutex mu_;                          // Guards ring_, next_, flushing_. Never held across a send.
  std::vector<std::optional<Held>> ring_;  // slot seq % window
  std::uint64_t next_ = 0;                 // the next sequence number to emit
  bool flushing_ = false;                  // a worker is emitting
};

/// The typed half of one running worker, made by StageImpl (stage_runner.h):
/// its `state`, the item it is working on, and calls into the body. The
/// worker loop itself (StageCore::runWorker) is compiled once, in the
/// library, so a generated program instantiates only these few members per
/// stage. "The current item" is the one the last successful take produced.
class WorkerSlot {
 public:
  virtual ~WorkerSlot() = default;
  /// True if the body is a plain function (its sends never suspend: a full
  /// channel defers them to Context::pending(), drained after the body).
  [[nodiscard]] virtual bool isPlain() const noexcept = 0;
  /// Builds the per-worker state (`state` initialisers). Throws what they throw.
  virtual void initState(Context& ctx) = 0;
  /// Takes the next item (with `batch`, a full list) without waiting. Empty
  /// means "wait with waitTake" (also returned when the inputs are closed:
  /// waitTake tells which).
  virtual RecvStatus tryTake(std::uint64_t& seq) = 0;
  /// Waits for the next item from any input (fan-in) — with `batch`, for a
  /// list that is full, due (`within`) or the last one — until `until`
  /// (Timeout then; a list begun stays begun); sets `st` and `seq`.
  virtual Task waitTake(Context& ctx, RecvStatus& st, std::uint64_t& seq, Deadline until) = 0;
  /// How many input items the current take holds: 1, or a batch's length.
  [[nodiscard]] virtual std::size_t takenItems() const noexcept = 0;
  /// Items already taken from the channel but never started (counted in
  /// flight when a worker stops early); forgets them.
  virtual std::size_t discardTaken() noexcept = 0;
  /// Whether several workers share the inputs and this one takes items in
  /// batches (then the worker loop sizes the batches: setTakeLimit()).
  [[nodiscard]] virtual bool sharesBatches() const noexcept = 0;
  /// At most `n` (>= 1) items per take from now on, capped by the batch size.
  virtual void setTakeLimit(std::size_t n) noexcept = 0;
  /// Plain bodies: runs the body on the current item, copying the item when
  /// `keep` (it may be retried or routed). Throws what the body throws.
  virtual void runPlain(Context& ctx, bool keep) = 0;
  /// Coroutine bodies (every source): the body on the current item.
  virtual Task runTask(Context& ctx, bool keep) = 0;
  /// `on_error route`: the current item (every item of a batch) as a send
  /// to the route channel — the item itself, or a Failed<T> with `error`
  /// and `attempts` when the channel carries that.
  virtual std::unique_ptr<PendingSend> routeCurrent(const std::string& error, std::int64_t attempts) = 0;
  /// `every`'s body, or an empty task without one.
  virtual Task runTick(Context& ctx) = 0;
  /// `finally`, or an empty task without one.
  virtual Task runFinally(Context& ctx) = 0;
};

/// How one item (or one source body) ended, after its retries.
enum class ItemOutcome : std::uint8_t {
  Ok,         // the body returned and its sends went out
  Failed,     // the body (or a deferred send) threw; counted failed
  TimedOut,   // the item's `timeout` passed; counted failed and timed out
  Cancelled,  // the run was cancelled first; counted in flight
};

/// The part of a stage that does not depend on the item type: the worker
/// loop (receive, timeout, retries, on_error, `ordered`, finally), failure
/// accounting and logging, and the writer bookkeeping that closes output
/// channels. Compiled once into the runtime library (stage.cpp); reaches
/// the typed parts (state, item, body) through WorkerSlot, made per worker
/// by StageImpl (stage_runner.h).
class StageCore {
 public:
  StageCore(std::string name, StageKind kind, StageOptions opts);
  /// Out of line: a generated program need not instantiate the members' destructors.
  virtual ~StageCore();
  StageCore(const StageCore&) = delete;
  StageCore& operator=(const StageCore&) = delete;

  /// One worker, start to end: state, items (or the source body), ticks,
  /// finally, writer release. Called once per worker by the pipeline.
  Task runWorker(RunShared& run, std::int64_t worker);
  /// `key`: the coroutine that takes every input item and hands it to the
  /// lane of the worker its key belongs to (stage_runner.h). Spawned once
  /// per keyed stage, beside the workers; an empty task otherwise.
  virtual Task runDispatcher(RunShared& run) = 0;
  /// True for a stage with `key` (its workers read their own lanes).
  [[nodiscard]] virtual bool isKeyed() const noexcept = 0;
  /// True when the body takes lists of items (`batch`).
  [[nodiscard]] virtual bool isBatched() const noexcept = 0;
  /// Every input channel (for validation and monitoring).
  [[nodiscard]] virtual std::vector<ChannelBase*> inputChannels() const = 0;
  /// Whether `ch` can be this stage's route channel: it carries the input
  /// type T or Failed<T>. Always false for a source.
  [[nodiscard]] virtual bool canRouteTo(const ChannelBase& ch) const = 0;
  /// True when the run must end with exit status 3: an item failed and the
  /// stage declared no `on_error` (OnError::Unhandled), or something failed
  /// outside any item (a `state` initialiser, a `finally`), which no policy
  /// handles. Read after the run.
  [[nodiscard]] bool hasUnhandledFailures() const noexcept;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] StageKind kind() const noexcept { return kind_; }
  [[nodiscard]] const StageOptions& options() const noexcept { return opts_; }
  void setWorkers(std::int64_t n) noexcept { opts_.workers = n; }
  [[nodiscard]] const std::vector<ChannelBase*>& outputs() const noexcept { return outputs_; }
  void setOutputs(std::vector<ChannelBase*> outs) { outputs_ = std::move(outs); }
  /// Every channel this stage writes: outputs plus the route channel.
  [[nodiscard]] std::vector<ChannelBase*> writtenChannels() const;

  [[nodiscard]] StageStats stats() const;
  [[nodiscard]] const LatencyHistogram& latency() const noexcept { return latency_; }

  /// Worker `w`'s counters (prepare() made one set per worker), or a shared
  /// fallback set for a context outside any worker.
  WorkerCounters& counters(std::int64_t w) noexcept;
  /// Called by the pipeline before workers start: sizes the reorder buffer,
  /// makes a keyed stage's lanes, registers writers. Returns internal
  /// channels to cancel with the run.
  [[nodiscard]] std::vector<ChannelBase*> prepare();
  std::atomic<std::uint64_t>& ticketCounter() noexcept { return tickets_; }
  /// `--trace`: one buffer per worker (before the run starts).
  void setTraceBuffers(std::vector<TraceBuffer*> buffers) { traceBuffers_ = std::move(buffers); }

 protected:
  /// Makes the typed half of worker `worker`.
  virtual WorkerSlot* makeWorker(std::int64_t worker) = 0;  // fresh from new; the caller owns it
  /// A keyed stage's lanes, one channel per worker, carrying the input type
  /// (each fresh from new; prepare() owns them).
  virtual std::vector<ChannelBase*> makeLanes(std::int64_t workers) = 0;
  /// Lane `worker`'s channel (keyed stages, after prepare()).
  [[nodiscard]] ChannelBase* lane(std::int64_t worker) const noexcept {
    return lanes_[static_cast<std::size_t>(worker)].get();
  }
  [[nodiscard]] std::size_t laneCount() const noexcept { return lanes_.size(); }
  /// The dispatcher could not route item `seq` (its key failed): counts it
  /// in and failed (or routes it: the caller sends it), as a body failure
  /// would.
  void noteUnroutable(RunShared& run, std::uint64_t seq, const std::string& error);
  /// The worker loop's preemption point when the thread's check-in word is
  /// set (the dispatcher's too): may requeue the caller on the scheduler.
  Task betweenItems();
  /// The dispatcher stopped (cancelled) holding `n` items it had taken.
  void noteDispatcherHeld(std::size_t n) noexcept;
  /// Called by the dispatcher and each worker as it ends; the last one
  /// counts what the lanes still hold as in flight.
  void partyDone() noexcept;

 private:
  /// The fast path's state across the items of one worker (receiveLoop):
  /// a plain body with no timeout, retries, `ordered` or route, whose posts
  /// the context batches (Context::setBatchLimit). An item is counted
  /// completed when its body returns; if the run is cancelled (or a channel
  /// closed) before some of its batched values went out, settleRecent()
  /// takes that back: such an item is in flight (or failed), as if its
  /// body had stopped in a send.
  struct FastLoop {
    /// A completed item and Context::outboxAdds() after its body (its
    /// values are numbered below `mark`).
    struct Done {
      std::uint64_t seq = 0;
      std::uint64_t mark = 0;
    };
    /// More than the items whose values can wait in outboxes at once
    /// (Outbox::kMaxBatch: after that many the loop publishes).
    static constexpr std::size_t kRecent = 64;
    Done recent[kRecent];     // ring: the last completed items
    std::size_t next = 0;     // ring write position
    std::size_t heldFor = 0;  // items run since the outboxes were last empty
    std::string error;        // the last failure's message
  };
  Task receiveLoop(RunShared& run, Context& ctx, WorkerSlot& w);
  /// Runs `every`'s body once (after publishing what the worker's outboxes
  /// hold, so each channel sees this worker's values in order); sets
  /// `cancelled` if the run was cancelled meanwhile.
  Task tick(RunShared& run, Context& ctx, WorkerSlot& w, FastLoop* fast, bool& cancelled);
  /// One item (or one source body) through timeout, retries and on_error.
  Task runItem(RunShared& run, Context& ctx, WorkerSlot& w, std::uint64_t seq, bool& cancelled);
  /// Publishes the outboxes, waiting for room; `ok` is false if the run was
  /// cancelled first (the values not pushed stay in the outboxes).
  Task publishWaiting(RunShared& run, Context& ctx, FastLoop& f, bool& ok);
  /// Recent items that were counted completed but whose values did not all
  /// go out: those with values a closed channel dropped fail (`send on
  /// closed channel`); with `cancelled`, those still waiting are in flight.
  void settleRecent(RunShared& run, Context& ctx, FastLoop& f, bool cancelled);
  /// The worker's current item (Context::currentItem), started at
  /// `started`, ended now with `outcome`: its latency sample (if sampled;
  /// completed items only) and its trace span (if traced). Out of line: a
  /// sampled minority of items come here.
  void noteItemTime(Context& ctx, std::uint64_t seq, Clock::time_point started, TraceOutcome outcome);
  /// As noteItemTime, the trace span only.
  void traceItem(Context& ctx, std::uint64_t seq, Clock::time_point started, TraceOutcome outcome);
  /// Accounts an item that ended with `outcome` (not Cancelled); on_error
  /// stop. `items`: how many input items it is (a batch's length).
  void finishItem(RunShared& run, Context& ctx, std::uint64_t seq, ItemOutcome outcome,
                  const std::string& error, std::chrono::nanoseconds latency, std::size_t items = 1);
  /// Counts `items` failures and logs (first 10) one after retries:
  /// `error: stage NAME: item SEQ: MESSAGE` (`batch of N items from item
  /// SEQ` for a batch). Thread-safe.
  void noteFailure(std::uint64_t seq, const std::string& message, bool timedOut, std::size_t items);
  /// Logs `error: stage NAME: MESSAGE` for failures outside an item, and
  /// counts them (hasUnhandledFailures).
  void logError(const std::string& message);
  /// `timed out after 100ms`: the message of an item that hit `timeout`.
  [[nodiscard]] std::string timeoutMessage() const;
  /// Releases this worker's writer slot on every written channel.
  void releaseWriters() noexcept;
  /// Emits an ordered stage's finished item in input order.
  Task completeOrdered(Context& ctx, std::uint64_t seq, ReorderBuffer::Held held, bool& cancelled);

  std::string name_;
  StageKind kind_;
  StageOptions opts_;
  std::vector<ChannelBase*> outputs_;
  std::unique_ptr<ReorderBuffer> reorder_;
  std::unique_ptr<Channel<char>> tokens_;                        // ordered: the window's tokens
  std::vector<std::unique_ptr<ChannelBase>> lanes_;              // keyed: one per worker, fixed by prepare()
  std::atomic<std::int64_t> parties_{0};                         // keyed: dispatcher + workers still running
  std::atomic<std::uint64_t> tickets_{0};                        // item sequence numbers
  std::vector<std::unique_ptr<WorkerCounters>> workerCounters_;  // one per worker, fixed by prepare()
  WorkerCounters sharedCounters_;                                // contexts outside a worker
  std::atomic<std::uint64_t> failed_{0}, retried_{0}, timedOut_{0}, inFlight_{0};
  std::atomic<std::uint64_t> faults_{0};  // failures outside items (logError)
  std::atomic<int> logged_{0};            // failures logged so far (first 10 are)
  LatencyHistogram latency_;
  std::vector<TraceBuffer*> traceBuffers_;  // --trace: per worker; empty without
};

}  // namespace flow::detail
