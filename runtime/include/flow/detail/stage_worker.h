// flow/detail/stage_worker.h — StageWorker, the WorkerSlot that StageImpl
// (stage_runner.h) makes for each worker: the worker's `state`, the item it
// is working on, and where its items come from — the stage's inputs, or its
// own lane when the stage is keyed. With `batch N [within D]` it collects
// the items into a list before the body sees them: a list is handed over
// when N items are in, when D has passed since its first item arrived, or
// when the inputs are drained (then shorter, never empty). Driven by the
// type-independent worker loop (StageCore::runWorker, stage.cpp). Not
// thread-safe: one worker's.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
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

/// Waits until `until` for the next value of any of `inputs` into `item` (a
/// std::optional<In>); on Ok, `seq` is its ticket (if `tickets`). Compiled
/// once, in the library (stage.cpp).
Task waitForItem(std::span<ChannelBase* const> inputs, TimerQueue* timers,
                 std::atomic<std::uint64_t>* tickets, std::size_t rotation, void* item, RecvStatus& st,
                 std::uint64_t& seq, Deadline until);
/// Sends `*value` (a T owned by the caller) on `ch`, waiting for room with
/// no deadline; RunCancelled if the run is cancelled meanwhile, false if
/// the channel was closed.
Task laneSend(ChannelBase& ch, void* value, TimerQueue* timers, bool& closed);
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

/// A failed batch on its way to the route channel, item by item.
template <class T>
struct RoutedBatch final : PendingSend {
  RoutedBatch(ChannelBase& c, std::vector<T> v) : ch(c), values(std::move(v)) {}
  Task flush(Context&) override;
  ChannelBase& ch;
  std::vector<T> values;
};
template <class T>
Task RoutedBatch<T>::flush(Context&) {
  for (T& v : values) co_await routeSend(ch, &v);
}

/// An item on a keyed stage's lane with its number: the dispatcher numbers
/// the items as it takes them from the stage's inputs, so `item N` in a
/// failure is the item's place in the stage's input, whichever worker's lane
/// it went through.
template <class T>
struct Numbered {
  std::uint64_t seq = 0;
  T value{};
};

/// Stage is a StageImpl; it grants access to its inputs and callables.
template <class Stage>
class StageWorker final : public WorkerSlot {
  using Item = typename Stage::Item;
  using Taken = typename Stage::Taken;  // what the body gets: Item, or a list of them
  using S = typename Stage::State;
  static constexpr bool kSource = Stage::kSource;
  static constexpr bool kBatched = Stage::kBatched;
  static constexpr bool kKeyed = Stage::kKeyed;
  /// What this worker's inputs carry: its lane's numbered items when keyed.
  using Carried = std::conditional_t<kKeyed, Numbered<Item>, Item>;

 public:
  StageWorker(Stage& stage, std::int64_t worker)
      : stage_(stage),
        batchMax_(scratchSize(stage.options(), stage.isKeyed())),
        takeLimit_(sharesBatches() ? 1 : batchMax_),
        scratch_(kSource ? nullptr : new Carried[batchMax_]) {
    if constexpr (!kSource) {
      if (stage.isKeyed()) {
        lane_[0] = stage.lane(worker);
        inputs_ = std::span<ChannelBase* const>(lane_, 1);
      } else {
        inputs_ = std::span<ChannelBase* const>(stage.inputs_.data(), stage.inputs_.size());
      }
    }
  }
  ~StageWorker() override { delete[] scratch_; }
  StageWorker(const StageWorker&) = delete;
  StageWorker& operator=(const StageWorker&) = delete;

  bool isPlain() const noexcept override { return Stage::kPlain; }

  /// Values taken per channel lock. A lone worker takes up to 32. Several
  /// workers of a plain body (CPU-bound: no sleep) take up to 16 each,
  /// which cuts the contention on the shared input's lock; the worker loop
  /// lowers that to what the body runs in ~20 µs (setTakeLimit), so a
  /// worker never sits on items another could start; a coroutine body may
  /// sleep on an item, so it takes one at a time, and `ordered` takes a
  /// window token per item first. A keyed
  /// worker's lane is its own (a plain body takes 32 at a time from it), and
  /// a batch is taken in runs of up to 64.
  static std::size_t scratchSize(const StageOptions& o, bool keyed) {
    if (o.batch > 0) return static_cast<std::size_t>(std::min<std::int64_t>(o.batch, 64));
    if (o.ordered) return 1;
    if (o.workers == 1 || (keyed && Stage::kPlain)) return kRecvBatch;  // a lane has one reader
    return Stage::kPlain ? kSharedRecvBatch : 1;
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
    } else if constexpr (kBatched) {
      fillList();
      if (list_.empty()) return RecvStatus::Empty;
      const auto n = static_cast<std::size_t>(stage_.options().batch);
      if (list_.size() >= n || (due_ != kNoDeadline && Clock::now() >= due_)) return handOver(seq);
      return RecvStatus::Empty;
    } else {
      if (next_ < scratchLen_) return takeScratch(seq);
      scratchLen_ = 0;
      next_ = 0;
      for (std::size_t i = 0; i < inputs_.size(); ++i) {
        ChannelBase* in = inputs_[(rotation_ + i) % inputs_.size()];
        scratchLen_ = in->tryRecvBatch(scratch_, takeLimit_, tickets(), firstSeq_);
        if (scratchLen_ > 0) {
          rotation_ += i + 1;  // fan-in: the next take starts at the next input
          return takeScratch(seq);
        }
      }
      return RecvStatus::Empty;
    }
  }

  Task waitTake(Context& ctx, RecvStatus& st, std::uint64_t& seq, Deadline until) override {
    if constexpr (kSource) {
      st = RecvStatus::Closed;
      co_return;
    } else if constexpr (!kBatched && !kKeyed) {
      co_await waitForItem(inputs_, ctx.timers(), tickets(), rotation_++, &item_, st, seq, until);
    } else if constexpr (!kBatched) {
      co_await waitForItem(inputs_, ctx.timers(), tickets(), rotation_++, &single_, st, seq, until);
      if (st == RecvStatus::Ok) {
        seq = single_->seq;
        item_.emplace(std::move(single_->value));
        single_.reset();
      }
    } else {
      while (true) {
        if (tryTake(seq) == RecvStatus::Ok) {
          st = RecvStatus::Ok;
          co_return;
        }
        const Deadline wake = list_.empty() ? until : std::min(until, due_);
        std::uint64_t one = 0;
        co_await waitForItem(inputs_, ctx.timers(), tickets(), rotation_++, &single_, st, one, wake);
        if (st == RecvStatus::Ok) {
          if constexpr (kKeyed)
            add(std::move(single_->value), single_->seq);
          else
            add(std::move(*single_), one);
          single_.reset();
          continue;
        }
        // A list begun goes out when it is due or the inputs are drained;
        // otherwise the caller's deadline (a tick) came first.
        const bool due = due_ != kNoDeadline && Clock::now() >= due_;
        if (!list_.empty() && (st == RecvStatus::Closed || (st == RecvStatus::Timeout && due))) {
          st = handOver(seq);
          co_return;
        }
        co_return;  // Timeout (the caller's), Closed (nothing left) or Cancelled
      }
    }
  }

  /// A keyed worker's lane and a batch's list are this worker's alone: only
  /// workers sharing unkeyed inputs have their takes sized.
  bool sharesBatches() const noexcept override {
    return !kBatched && !stage_.isKeyed() && batchMax_ > 1 && stage_.options().workers > 1;
  }
  void setTakeLimit(std::size_t n) noexcept override {
    takeLimit_ = n < batchMax_ ? (n > 0 ? n : 1) : batchMax_;
  }

  std::size_t takenItems() const noexcept override {
    if constexpr (kBatched)
      return item_ ? item_->size() : 0;
    else
      return 1;
  }

  std::size_t discardTaken() noexcept override {
    if constexpr (kBatched) {
      const std::size_t n = list_.size();
      list_.clear();
      return n;
    } else {
      const std::size_t n = scratchLen_ - next_;
      scratchLen_ = 0;
      next_ = 0;
      return n;
    }
  }

  void runPlain(Context& ctx, bool keep) override {
    if constexpr (Stage::kPlain) {
      call(ctx, keep);
    } else {
      throw std::logic_error("runPlain on a coroutine body");
    }
  }

  Task runTask(Context& ctx, bool keep) override {
    if constexpr (Stage::kPlain) {
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
      // canRouteTo() held at start: the channel carries Item or Failed<Item>.
      const bool asFailed = route->elementType() != typeid(Item);
      if constexpr (kBatched) {
        if (!asFailed) return std::unique_ptr<PendingSend>(new RoutedBatch<Item>(*route, std::move(*item_)));
        std::vector<Failed<Item>> failed;
        failed.reserve(item_->size());
        for (Item& v : *item_) failed.push_back(Failed<Item>{std::move(v), error, stage_.name(), attempts});
        return std::unique_ptr<PendingSend>(new RoutedBatch<Failed<Item>>(*route, std::move(failed)));
      } else {
        if (!asFailed) return std::unique_ptr<PendingSend>(new RoutedItem<Item>(*route, std::move(*item_)));
        return std::unique_ptr<PendingSend>(new RoutedItem<Failed<Item>>(
            *route, Failed<Item>{std::move(*item_), error, stage_.name(), attempts}));
      }
    }
  }

  Task runTick(Context& ctx) override {
    if constexpr (Stage::kTicking)
      return stage_.tick_(ctx, *state_);
    else
      return {};
  }

  Task runFinally(Context& ctx) override {
    if constexpr (std::is_same_v<typename Stage::FinType, std::nullptr_t>)
      return {};
    else
      return stage_.fin_(ctx, *state_);
  }

 private:
  /// Where the items' numbers come from: the stage's ticket counter as the
  /// worker takes them, or none for a lane (its items carry theirs).
  std::atomic<std::uint64_t>* tickets() noexcept { return kKeyed ? nullptr : &stage_.ticketCounter(); }

  RecvStatus takeScratch(std::uint64_t& seq) {
    if constexpr (kKeyed) {
      seq = scratch_[next_].seq;
      item_.emplace(std::move(scratch_[next_++].value));
    } else {
      item_.emplace(std::move(scratch_[next_]));
      seq = firstSeq_ + next_++;
    }
    return RecvStatus::Ok;
  }

  /// Batches: appends one item to the list begun (or begins one).
  void add(Item&& v, std::uint64_t seq) {
    if (list_.empty()) {
      listSeq_ = seq;
      const auto within = stage_.options().batchWithin;
      due_ = within.count() > 0 ? deadlineAfter(within) : kNoDeadline;
    }
    list_.push_back(std::move(v));
  }
  /// Batches: takes what is there without waiting, up to the list's size.
  void fillList() {
    const auto n = static_cast<std::size_t>(stage_.options().batch);
    for (std::size_t i = 0; i < inputs_.size() && list_.size() < n;) {
      ChannelBase* in = inputs_[(rotation_ + i) % inputs_.size()];
      std::uint64_t first = 0;
      const std::size_t got =
          in->tryRecvBatch(scratch_, std::min(batchMax_, n - list_.size()), tickets(), first);
      for (std::size_t k = 0; k < got; ++k) {
        if constexpr (kKeyed)
          add(std::move(scratch_[k].value), scratch_[k].seq);
        else
          add(std::move(scratch_[k]), first + k);
      }
      if (got == 0) ++i;
    }
  }
  /// Batches: the list begun becomes the current item.
  RecvStatus handOver(std::uint64_t& seq) {
    item_.emplace(std::move(list_));
    list_ = {};
    due_ = kNoDeadline;
    seq = listSeq_;
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
      return keep ? stage_.body_(ctx, Taken(*item_)) : stage_.body_(ctx, std::move(*item_));
    } else {
      return keep ? stage_.body_(ctx, *state_, Taken(*item_)) : stage_.body_(ctx, *state_, std::move(*item_));
    }
  }

  Stage& stage_;
  const std::size_t batchMax_;
  std::size_t takeLimit_;  // <= batchMax_: items per take now (unkeyed, unbatched)
  std::optional<S> state_;
  std::optional<Taken> item_;  // the current item (or list)
  Carried* scratch_;           // batchMax_ slots; [next_, scratchLen_) taken, not started yet
  std::size_t scratchLen_ = 0;
  std::size_t next_ = 0;
  std::uint64_t firstSeq_ = 0;
  std::size_t rotation_ = 0;  // which input a fan-in wait tries first
  std::span<ChannelBase* const> inputs_;
  ChannelBase* lane_[1] = {nullptr};  // keyed: the one input
  // Batches: the list being collected, its first item's ticket, when it is due.
  std::vector<Item> list_;
  std::optional<Carried> single_;  // one item waited for (batches, keyed)
  std::uint64_t listSeq_ = 0;
  Deadline due_ = kNoDeadline;
};

}  // namespace flow::detail
