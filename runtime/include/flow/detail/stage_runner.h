// flow/detail/stage_runner.h — the typed worker loop behind every source,
// stage and sink (StageImpl). A worker: builds its per-worker state, then
// (stage/sink) receives items from its inputs (fan-in over all of them),
// runs the body per item under the item's deadline with retries and the
// on_error policy, emits through the reorder buffer when `ordered`, and at
// the end runs `finally` and releases its writer slots (the last writer
// closes each output). A source runs its body once per worker instead.
// On cancellation the current item is counted as in flight and the worker
// still runs `finally`. Never lets an exception escape a worker.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "flow/context.h"
#include "flow/detail/run_shared.h"
#include "flow/stage.h"

namespace flow::detail {

/// State type of a stage without `state`.
struct NoState {};

enum class Outcome : std::uint8_t { Ok, Failed, TimedOut, Cancelled };

/// Classifies the exception being handled; call only inside a catch block.
inline Outcome classifyFailure(std::string& error) noexcept {
  try {
    throw;
  } catch (const ItemTimedOut&) {
    return Outcome::TimedOut;
  } catch (const RunCancelled&) {
    return Outcome::Cancelled;
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  return Outcome::Failed;
}

/// Runs `body` (not yet started) and classifies how it ended. Takes a Task,
/// not a callable: a coroutine frame holding a caller's lambda type would
/// trip GCC's -Wsubobject-linkage for lambdas in unnamed namespaces.
inline Task runGuarded(Context& ctx, Task body, Outcome& outcome, std::string& error) {
  outcome = Outcome::Ok;
  try {
    ctx.makeCurrent();
    co_await body;
  } catch (...) {
    outcome = classifyFailure(error);
  }
}

/// Values a single-worker stage takes from its input under one lock.
inline constexpr std::size_t kRecvBatch = 32;

/// Sleeps out a retry backoff; false if the run was cancelled meanwhile.
Task sleepBackoff(Context& ctx, std::chrono::nanoseconds d, bool& cancelled);
/// Emits finished items of an ordered stage in order (see ReorderBuffer).
Task completeOrdered(Context& ctx, StageCore& stage, std::uint64_t seq, ReorderBuffer::Held held,
                     bool& cancelled);

/// In = void for a source; S = NoState without `state`; Fin = std::nullptr_t
/// without `finally`.
template <class In, class S, class Init, class Body, class Fin>
class StageImpl final : public StageCore {
  using Inputs = std::conditional_t<std::is_void_v<In>, std::vector<ChannelBase*>, std::vector<Channel<In>*>>;

 public:
  StageImpl(std::string name, StageKind kind, StageOptions opts, Inputs inputs, Init init, Body body, Fin fin)
      : StageCore(std::move(name), kind, opts),
        inputs_(std::move(inputs)),
        init_(std::move(init)),
        body_(std::move(body)),
        fin_(std::move(fin)) {}

  Task runWorker(RunShared& run, std::int64_t worker) override { return workerLoop(run, worker); }
  std::vector<ChannelBase*> inputChannels() const override {
    return std::vector<ChannelBase*>(inputs_.begin(), inputs_.end());
  }

 private:
  Task callBody(Context& ctx, S& state, auto&&... item) {
    if constexpr (std::is_same_v<S, NoState>) {
      return body_(ctx, std::forward<decltype(item)>(item)...);
    } else {
      return body_(ctx, state, std::forward<decltype(item)>(item)...);
    }
  }

  Task workerLoop(RunShared& run, std::int64_t worker) {
    Context ctx(run, this, worker);
    std::optional<S> state;
    try {
      ctx.makeCurrent();
      if constexpr (std::is_same_v<S, NoState>)
        state.emplace();
      else
        state.emplace(init_(ctx));
    } catch (const std::exception& e) {
      logError("worker " + std::to_string(worker) + ": state: " + e.what());
    }
    if (state) {
      if constexpr (std::is_void_v<In>) {
        bool cancelled = false;
        co_await runItem(run, ctx, *state, static_cast<std::uint64_t>(worker), cancelled);
      } else {
        co_await receiveLoop(run, ctx, *state);
      }
      co_await runFinally(run, ctx, *state);
    }
    releaseWriters();
  }

  Task receiveLoop(RunShared& run, Context& ctx, S& state) requires(!std::is_void_v<In>) {
    std::size_t rotation = static_cast<std::size_t>(ctx.worker());
    Channel<char>* tokens = this->tokens();
    Channel<char>* tokenSpan[1] = {tokens};
    // A lone worker on a lone input drains buffered values in batches (one
    // lock per batch); with several workers that would starve the others.
    const bool batching = inputs_.size() == 1 && tokens == nullptr && options().workers == 1;
    std::vector<In> batch;
    std::size_t next = 0;
    std::uint64_t firstSeq = 0;
    while (!run.isCancelled()) {
      std::optional<In> item;
      std::uint64_t seq = 0;
      if (next < batch.size()) {
        item.emplace(std::move(batch[next]));
        seq = firstSeq + next++;
      } else if (batching) {
        batch.clear();
        next = 0;
        if (inputs_.front()->tryRecvBatch(batch, kRecvBatch, &ticketCounter(), firstSeq) > 0) {
          item.emplace(std::move(batch[next]));
          seq = firstSeq + next++;
        }
      }
      if (!item) {
        if (tokens != nullptr) {
          Received<char> t = co_await RecvAwaiter<char>(std::span<Channel<char>* const>(tokenSpan, 1),
                                                        kNoDeadline, &run.timers, nullptr, 0);
          if (t.status != RecvStatus::Ok) break;
        }
        Received<In> r;
        do {
          r = co_await RecvAwaiter<In>(std::span<Channel<In>* const>(inputs_), kNoDeadline, &run.timers,
                                       &ticketCounter(), rotation++);
        } while (r.retry);
        if (r.status != RecvStatus::Ok) {
          if (tokens != nullptr) (void)tokens->trySend('t');
          break;
        }
        item = std::move(r.value);
        seq = r.ticket;
      }
      noteIn();
      bool cancelled = false;
      co_await runItem(run, ctx, state, seq, cancelled, std::move(*item));
      if (cancelled) break;
    }
    // Taken from the channel in a batch but never started: in flight.
    for (; next < batch.size(); ++next) {
      noteIn();
      noteInFlight();
    }
  }

  /// One item (or one source body) through retries and on_error.
  Task runItem(RunShared& run, Context& ctx, S& state, std::uint64_t seq, bool& cancelled, auto... item) {
    const StageOptions& o = options();
    const bool keepItem = o.retries > 0 || o.onError == OnError::Route;
    // Latency: every item at first, then every 16th (two clock reads per
    // item would be a measurable share of a cheap stage).
    const std::uint64_t nth = ctx.countItem();
    const bool timed = nth < 1024 || nth % 16 == 0;
    const auto started = timed ? Clock::now() : Clock::time_point{};
    Outcome outcome = Outcome::Ok;
    std::string error;
    for (std::int64_t attempt = 0;; ++attempt) {
      ctx.setDeadline(o.timeout.count() > 0 ? deadlineAfter(o.timeout) : kNoDeadline);
      ctx.setHolding(o.ordered);
      ctx.held().clear();
      Task body;
      if constexpr (sizeof...(item) == 0)
        body = callBody(ctx, state);
      else if (keepItem)
        body = callBody(ctx, state, item...);  // copies: the original may be retried or routed
      else
        body = callBody(ctx, state, std::move(item)...);
      outcome = Outcome::Ok;
      try {  // inline rather than runGuarded(): one coroutine frame less per item
        ctx.makeCurrent();
        co_await body;
      } catch (...) {
        outcome = classifyFailure(error);
      }
      ctx.setDeadline(kNoDeadline);
      ctx.setHolding(false);
      if (outcome == Outcome::Ok || outcome == Outcome::Cancelled) break;
      if (attempt >= o.retries || run.isCancelled()) break;
      noteRetry();
      co_await sleepBackoff(ctx, o.backoff * (std::int64_t{1} << std::min<std::int64_t>(attempt, 30)),
                            cancelled);
      if (cancelled) {
        outcome = Outcome::Cancelled;
        break;
      }
    }
    if (outcome == Outcome::Cancelled) {
      noteInFlight();
      cancelled = true;
      co_return;
    }
    ReorderBuffer::Held held;
    if (outcome == Outcome::Ok) {
      noteCompleted(timed ? Clock::now() - started : std::chrono::nanoseconds(-1));
      held = std::move(ctx.held());
    } else {
      const bool timedOut = outcome == Outcome::TimedOut;
      noteFailure(run, seq, timedOut ? timeoutMessage() : error, timedOut);
      if (o.onError == OnError::Stop) run.cancel(1);
      if constexpr (sizeof...(item) == 1) {
        if (o.onError == OnError::Route && o.routeTo != nullptr) {
          using T = std::remove_cvref_t<decltype((item, ...))>;
          auto* route = static_cast<Channel<T>*>(o.routeTo);
          co_await routeFailed(ctx, *route, std::move(item)..., cancelled);
        }
      }
    }
    ctx.held().clear();
    if (o.ordered && !cancelled) co_await completeOrdered(ctx, *this, seq, std::move(held), cancelled);
  }

  template <class T>
  static Task routeFailed(Context& ctx, Channel<T>& route, T item, bool& cancelled) {
    Outcome outcome = Outcome::Ok;
    std::string error;
    co_await runGuarded(ctx, sendRouted(route, std::move(item)), outcome, error);
    if (outcome == Outcome::Cancelled) cancelled = true;
  }
  template <class T>
  static Task sendRouted(Channel<T>& route, T item) {
    // No deadline: a routed failure waits for room like any send, so it
    // never needs the timer queue.
    const SendStatus st = co_await SendAwaiter<T>(route, std::move(item), kNoDeadline, nullptr);
    if (st == SendStatus::Cancelled) throw RunCancelled{};
  }

  Task runFinally(RunShared&, Context& ctx, S& state) {
    if constexpr (!std::is_same_v<Fin, std::nullptr_t>) {
      Outcome outcome = Outcome::Ok;
      std::string error;
      co_await runGuarded(ctx, fin_(ctx, state), outcome, error);
      if (outcome == Outcome::Failed)
        logError("worker " + std::to_string(ctx.worker()) + ": finally: " + error);
    }
  }

  Inputs inputs_;
  Init init_;
  Body body_;
  Fin fin_;
};

}  // namespace flow::detail
