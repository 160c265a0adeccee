// flow/detail/stage_runner.h — the typed half of every source, stage and
// sink (StageImpl): its inputs, `state` initialiser, body and `finally`,
// and per worker a WorkerSlot that holds the state and the current item.
// The worker loop that drives a WorkerSlot — receive, timeout, retries,
// on_error, `ordered`, finally, writer release — is type-independent and
// lives in the runtime library (StageCore::runWorker, stage.cpp), so a
// generated program instantiates only the small members below per stage.
//
// A body is either a coroutine (returns Task: it may suspend in a send or
// `sleep`) or a plain function (returns void: its sends are Context::post,
// which never suspends). Plain bodies cost no coroutine frame per item; the
// compiler makes a body plain when it has no `sleep` and no send inside a
// loop, so what post() may defer per item is bounded by the body's text.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "flow/context.h"
#include "flow/detail/preempt.h"
#include "flow/detail/stage_core.h"
#include "flow/detail/stage_worker.h"

namespace flow::detail {

/// In = void for a source; S = NoState without `state`; Fin and Tick =
/// std::nullptr_t without `finally` / `every`; Key = std::nullptr_t without
/// `key`, else (Context&, const In&) -> std::uint64_t, the key's hash. Body:
/// (Context&[, S&][, In]) -> Task or void; with `batch` it takes a
/// std::vector<In> instead of an In.
template <class In, class S, class Init, class Body, class Fin, class Tick = std::nullptr_t,
          class Key = std::nullptr_t>
class StageImpl final : public StageCore {
 public:
  using State = S;
  using FinType = Fin;
  static constexpr bool kSource = std::is_void_v<In>;
  using Item = std::conditional_t<kSource, char, In>;  // char: placeholder, never used

 private:
  template <class... A>
  static constexpr bool invocable() {
    return std::is_invocable_v<Body&, Context&, A...>;
  }
  template <class A>
  static constexpr bool takesItem() {
    if constexpr (std::is_same_v<S, NoState>)
      return invocable<A>();
    else
      return invocable<S&, A>();
  }

 public:
  static constexpr bool kBatched = !kSource && !takesItem<Item>() && takesItem<std::vector<Item>>();
  using Taken = std::conditional_t<kBatched, std::vector<Item>, Item>;
  static constexpr bool kTicking = !std::is_same_v<Tick, std::nullptr_t>;
  static constexpr bool kKeyed = !kSource && !std::is_same_v<Key, std::nullptr_t>;

  StageImpl(std::string name, StageKind kind, StageOptions opts, std::vector<ChannelBase*> inputs, Init init,
            Body body, Fin fin, Tick tick = nullptr, Key key = nullptr)
      : StageCore(std::move(name), kind, opts),
        inputs_(std::move(inputs)),
        init_(std::move(init)),
        body_(std::move(body)),
        fin_(std::move(fin)),
        tick_(std::move(tick)),
        key_(std::move(key)) {}

  std::vector<ChannelBase*> inputChannels() const override { return inputs_; }
  bool isKeyed() const noexcept override { return kKeyed; }
  bool isBatched() const noexcept override { return kBatched; }
  bool canRouteTo(const ChannelBase& ch) const override {
    if constexpr (kSource) {
      return false;
    } else {
      return ch.elementType() == typeid(Item) || ch.elementType() == typeid(Failed<Item>);
    }
  }

  Task runDispatcher(RunShared& run) override {
    if constexpr (kKeyed) {
      return dispatch(run);
    } else {
      (void)run;
      return {};
    }
  }

 protected:
  // A raw pointer: a unique_ptr here would instantiate its constructor per stage.
  WorkerSlot* makeWorker(std::int64_t worker) override { return new StageWorker<StageImpl>(*this, worker); }
  std::vector<ChannelBase*> makeLanes(std::int64_t workers) override {
    std::vector<ChannelBase*> lanes;
    if constexpr (kKeyed) {
      for (std::int64_t w = 0; w < workers; ++w)
        lanes.push_back(new Channel<Numbered<Item>>(name() + "/lane" + std::to_string(w), kLaneCapacity));
    } else {
      (void)workers;
    }
    return lanes;
  }

 private:
  friend class StageWorker<StageImpl>;
  template <class... A>
  static constexpr bool returnsVoid() {
    return std::is_void_v<std::invoke_result_t<Body&, Context&, A...>>;
  }
  static constexpr bool plainBody() {
    if constexpr (kSource) {
      return false;  // runs once per worker: nothing to save
    } else if constexpr (std::is_same_v<S, NoState>) {
      return returnsVoid<Taken>();
    } else {
      return returnsVoid<S&, Taken>();
    }
  }
  static constexpr bool kPlain = plainBody();

  /// Keyed: takes every input item and sends it to the lane of the worker
  /// its key hashes to, so equal keys always meet the same worker, in input
  /// order. Numbers the items as it takes them (the stage's ticket
  /// counter), and each carries its number through the lane. Closes the
  /// lanes when the inputs are drained.
  Task dispatch(RunShared& run) {
    const std::size_t lanes = laneCount();
    std::unique_ptr<Item[]> taken(new Item[kDispatchBatch]);
    std::optional<Item> one;
    std::vector<std::vector<Numbered<Item>>> staged(lanes);
    // Items whose key failed, for `on_error route`, with the logged message:
    // sent as they are or as a Failed<Item> (attempts 0: the body never
    // ran), whichever the route channel carries (canRouteTo held at start).
    std::vector<Failed<Item>> unroutable;
    const bool routeFailed = options().routeTo != nullptr && options().routeTo->elementType() != typeid(Item);
    std::size_t rotation = 0;
    TimerQueue* timers = &run.timers;
    Context ctx(run, this, -1);  // for the key: extern calls may ask for it
    while (!run.isCancelled()) {
      // A preemption point per take, as the worker loop has per item.
      if (tPreempt->load(std::memory_order_relaxed) != 0) [[unlikely]]
        co_await betweenItems();
      std::size_t got = 0;
      std::uint64_t first = 0;  // the number of taken[0]
      for (std::size_t i = 0; i < inputs_.size() && got == 0; ++i)
        got = inputs_[(rotation + i) % inputs_.size()]->tryRecvBatch(taken.get(), kDispatchBatch,
                                                                     &ticketCounter(), first);
      if (got == 0) {
        RecvStatus st{};
        co_await waitForItem(std::span<ChannelBase* const>(inputs_.data(), inputs_.size()), timers,
                             &ticketCounter(), rotation, &one, st, first, kNoDeadline);
        if (st != RecvStatus::Ok) break;
        taken[0] = std::move(*one);
        one.reset();
        got = 1;
      }
      ++rotation;
      // Each lane's items in input order, then each lane's run pushed with
      // one end-lock and one publish (a full lane: the rest one by one,
      // waiting), so routing costs a few instructions per item.
      for (std::size_t i = 0; i < got; ++i) {
        std::size_t to = 0;
        std::string error;
        if (laneOf(run, ctx, taken[i], first + i, lanes, to, error)) {
          staged[to].push_back(Numbered<Item>{first + i, std::move(taken[i])});
        } else if (options().onError == OnError::Route && options().routeTo != nullptr) {
          unroutable.push_back(Failed<Item>{std::move(taken[i]), std::move(error), name(), 0});
        }
      }
      bool stop = false;
      for (std::size_t l = 0; l < lanes && !stop; ++l) {
        std::vector<Numbered<Item>>& pending = staged[l];
        std::size_t done = 0;
        try {
          while (done < pending.size()) {
            SendStatus st = SendStatus::Ok;
            done += lane(static_cast<std::int64_t>(l))
                        ->trySendBatch(pending.data() + done, pending.size() - done, st);
            if (st == SendStatus::Cancelled) throw RunCancelled{};
            if (done == pending.size() || st == SendStatus::Closed) break;
            bool closed = false;
            co_await laneSend(*lane(static_cast<std::int64_t>(l)), &pending[done], timers, closed);
            ++done;
          }
        } catch (const RunCancelled&) {
          stop = true;
        }
        if (stop) {
          // What was taken and not handed on is in flight.
          std::size_t held = pending.size() - done;
          for (std::size_t k = l + 1; k < lanes; ++k) held += staged[k].size();
          noteDispatcherHeld(held);
        }
      }
      for (auto& v : staged) v.clear();
      try {  // counted failed already; routed when the run goes on
        for (Failed<Item>& f : unroutable) {
          if (stop) break;
          if (routeFailed)
            co_await routeSend(*options().routeTo, &f);
          else
            co_await routeSend(*options().routeTo, &f.item);
        }
      } catch (const RunCancelled&) {
        stop = true;
      }
      unroutable.clear();
      if (stop) break;
    }
    for (std::size_t w = 0; w < lanes; ++w) lane(static_cast<std::int64_t>(w))->releaseWriter();
    partyDone();
  }
  /// The lane of `v` (item `seq`), or false when its key failed (counted
  /// and logged; `error` is the logged message).
  bool laneOf(RunShared& run, Context& ctx, const Item& v, std::uint64_t seq, std::size_t lanes,
              std::size_t& to, std::string& error) {
    try {
      ctx.makeCurrent();
      // The hash's high bits pick the lane (Lemire's multiply-shift): a
      // hash's low bits may repeat across small keys.
      const auto wide = static_cast<unsigned __int128>(key_(ctx, v)) * lanes;
      to = static_cast<std::size_t>(wide >> 64);
      return true;
    } catch (const RunCancelled&) {
      throw;
    } catch (const std::exception& e) {
      error = std::string("key: ") + e.what();
    } catch (...) {
      error = "key: unknown exception";
    }
    noteUnroutable(run, seq, error);
    return false;
  }

  /// Items the dispatcher takes per input lock (tryRecvBatch's most): a
  /// larger run per lane means fewer wake-ups of its worker.
  static constexpr std::size_t kDispatchBatch = 64;
  /// Each lane buffers this many items (a ring: it grows as it fills).
  static constexpr std::int64_t kLaneCapacity = 128;

  std::vector<ChannelBase*> inputs_;
  Init init_;
  Body body_;
  Fin fin_;
  Tick tick_;
  Key key_;
};

}  // namespace flow::detail
