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
#include "flow/detail/stage_core.h"
#include "flow/failed.h"

namespace flow::detail {

/// State type of a stage without `state`.
struct NoState {};

/// Values a lone worker takes from an input under one lock.
inline constexpr std::size_t kRecvBatch = 32;
/// Values each of several workers of a plain body takes under one lock.
inline constexpr std::size_t kSharedRecvBatch = 16;

/// Waits for the next value of any of `inputs` into `item` (a
/// std::optional<In>); on Ok, `seq` is its ticket. Compiled once, in the
/// library (stage.cpp).
Task waitForItem(std::span<ChannelBase* const> inputs, TimerQueue* timers,
                 std::atomic<std::uint64_t>* tickets, std::size_t rotation, void* item, RecvStatus& st,
                 std::uint64_t& seq);
/// Sends a failed item to its route channel: no deadline (it waits for room
/// like any send, so it never needs the item's timer), RunCancelled if the
/// run is cancelled meanwhile. `value` is a T owned by the caller.
Task routeSend(ChannelBase& ch, void* value);

/// A failed item on its way to the route channel. Not counted as the
/// stage's `out` (that counts values sent to outputs).
template <class T>
struct RoutedItem final : PendingSend {
  RoutedItem(ChannelBase& c, T v) : ch(c), value(std::move(v)) {}
  Task flush(Context&) override { return routeSend(ch, &value); }
  ChannelBase& ch;
  T value;
};

/// In = void for a source; S = NoState without `state`; Fin = std::nullptr_t
/// without `finally`. Body: (Context&[, S&][, In]) -> Task or void.
template <class In, class S, class Init, class Body, class Fin>
class StageImpl final : public StageCore {
  static constexpr bool kSource = std::is_void_v<In>;
  using Item = std::conditional_t<kSource, char, In>;  // char: placeholder, never used

 public:
  StageImpl(std::string name, StageKind kind, StageOptions opts, std::vector<ChannelBase*> inputs, Init init,
            Body body, Fin fin)
      : StageCore(std::move(name), kind, opts),
        inputs_(std::move(inputs)),
        init_(std::move(init)),
        body_(std::move(body)),
        fin_(std::move(fin)) {}

  std::vector<ChannelBase*> inputChannels() const override { return inputs_; }
  bool canRouteTo(const ChannelBase& ch) const override {
    if constexpr (kSource) {
      return false;
    } else {
      return ch.elementType() == typeid(Item) || ch.elementType() == typeid(Failed<Item>);
    }
  }

 protected:
  // A raw pointer: a unique_ptr here would instantiate its constructor per stage.
  WorkerSlot* makeWorker() override { return new Worker(*this); }

 private:
  class Worker final : public WorkerSlot {
   public:
    explicit Worker(StageImpl& stage)
        : stage_(stage),
          batchMax_(batchSize(stage.options())),
          takeLimit_(sharesBatches() ? 1 : batchMax_),
          batch_(kSource ? nullptr : new Item[batchMax_]) {}
    ~Worker() override { delete[] batch_; }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    bool isPlain() const noexcept override { return kPlain; }

    /// Values taken per channel lock. A lone worker takes up to 32. Several
    /// workers of a plain body (CPU-bound: no sleep) take up to 16 each,
    /// which cuts the contention on the shared input's lock; the worker loop
    /// lowers that to what the body runs in ~20 µs (setTakeLimit), so a
    /// worker never sits on items another could start; a coroutine body may
    /// sleep on an item, so it takes one at a time, and `ordered` takes a
    /// window token per item first.
    static std::size_t batchSize(const StageOptions& o) {
      if (o.ordered) return 1;
      if (o.workers == 1) return kRecvBatch;
      return kPlain ? kSharedRecvBatch : 1;
    }

    void initState(Context& ctx) override {
      if constexpr (std::is_same_v<S, NoState>)
        state_.emplace();
      else
        state_.emplace(stage_.init_(ctx));
    }

    RecvStatus tryTake(std::uint64_t& seq) override {
      if constexpr (kSource) {
        return RecvStatus::Empty;
      } else {
        if (next_ < batchLen_) return takeBatched(seq);
        batchLen_ = 0;
        next_ = 0;
        const auto& inputs = stage_.inputs_;
        for (std::size_t i = 0; i < inputs.size(); ++i) {
          ChannelBase* in = inputs[(rotation_ + i) % inputs.size()];
          batchLen_ = in->tryRecvBatch(batch_, takeLimit_, &stage_.ticketCounter(), firstSeq_);
          if (batchLen_ > 0) {
            rotation_ += i + 1;  // fan-in: the next take starts at the next input
            return takeBatched(seq);
          }
        }
        return RecvStatus::Empty;
      }
    }

    Task waitTake(Context& ctx, RecvStatus& st, std::uint64_t& seq) override {
      if constexpr (kSource) {
        st = RecvStatus::Closed;
        return {};
      } else {
        // (pointer, size): the range constructor's concept checks cost compile time
        return waitForItem(std::span<ChannelBase* const>(stage_.inputs_.data(), stage_.inputs_.size()),
                           ctx.timers(), &stage_.ticketCounter(), rotation_++, &item_, st, seq);
      }
    }

    bool sharesBatches() const noexcept override { return batchMax_ > 1 && stage_.options().workers > 1; }
    void setTakeLimit(std::size_t n) noexcept override {
      takeLimit_ = n < batchMax_ ? (n > 0 ? n : 1) : batchMax_;
    }

    std::size_t discardTaken() noexcept override {
      const std::size_t n = batchLen_ - next_;
      batchLen_ = 0;
      next_ = 0;
      return n;
    }

    void runPlain(Context& ctx, bool keep) override {
      if constexpr (kPlain) {
        call(ctx, keep);
      } else {
        throw std::logic_error("runPlain on a coroutine body");
      }
    }

    Task runTask(Context& ctx, bool keep) override {
      if constexpr (kPlain) {
        throw std::logic_error("runTask on a plain body");
      } else {
        return call(ctx, keep);
      }
    }

    std::unique_ptr<PendingSend> routeCurrent(const std::string& error, std::int64_t attempts) override {
      if constexpr (kSource) {
        return nullptr;
      } else {
        ChannelBase* route = stage_.options().routeTo;
        if (route == nullptr || !item_) return nullptr;
        if (route->elementType() == typeid(Item))
          return std::unique_ptr<PendingSend>(new RoutedItem<Item>(*route, std::move(*item_)));
        // canRouteTo() held at start: the channel carries Failed<Item>.
        return std::unique_ptr<PendingSend>(new RoutedItem<Failed<Item>>(
            *route, Failed<Item>{std::move(*item_), error, stage_.name(), attempts}));
      }
    }

    Task runFinally(Context& ctx) override {
      if constexpr (std::is_same_v<Fin, std::nullptr_t>) {
        return {};
      } else {
        return stage_.fin_(ctx, *state_);
      }
    }

   private:
    RecvStatus takeBatched(std::uint64_t& seq) {
      item_.emplace(std::move(batch_[next_]));
      seq = firstSeq_ + next_++;
      return RecvStatus::Ok;
    }

    /// Calls the body; with `keep` it gets a copy of the item.
    auto call(Context& ctx, bool keep) {
      if constexpr (kSource) {
        if constexpr (std::is_same_v<S, NoState>)
          return stage_.body_(ctx);
        else
          return stage_.body_(ctx, *state_);
      } else if constexpr (std::is_same_v<S, NoState>) {
        return keep ? stage_.body_(ctx, Item(*item_)) : stage_.body_(ctx, std::move(*item_));
      } else {
        return keep ? stage_.body_(ctx, *state_, Item(*item_))
                    : stage_.body_(ctx, *state_, std::move(*item_));
      }
    }

    StageImpl& stage_;
    const std::size_t batchMax_;
    std::size_t takeLimit_;  // <= batchMax_: items per take now
    std::optional<S> state_;
    std::optional<Item> item_;  // the current item
    Item* batch_;               // batchMax_ slots; [next_, batchLen_) taken, not started yet
    std::size_t batchLen_ = 0;
    std::size_t next_ = 0;
    std::uint64_t firstSeq_ = 0;
    std::size_t rotation_ = 0;  // which input a fan-in wait tries first
  };

  template <class... A>
  static constexpr bool returnsVoid() {
    return std::is_void_v<std::invoke_result_t<Body&, Context&, A...>>;
  }
  static constexpr bool plainBody() {
    if constexpr (kSource) {
      return false;  // runs once per worker: nothing to save
    } else if constexpr (std::is_same_v<S, NoState>) {
      return returnsVoid<Item>();
    } else {
      return returnsVoid<S&, Item>();
    }
  }
  static constexpr bool kPlain = plainBody();

  std::vector<ChannelBase*> inputs_;
  Init init_;
  Body body_;
  Fin fin_;
};

}  // namespace flow::detail
