// flow/stage.h — a stage's options (the §5 attributes), its metrics, and the
// part of a stage that does not depend on the item type (detail::StageCore):
// failure accounting and logging, the `ordered` reorder buffer, and the
// writer bookkeeping that closes output channels. The typed worker loop is
// in detail/stage_runner.h. Does not run anything by itself.
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

namespace flow {

enum class OnError : std::uint8_t { Drop, Stop, Route };

/// §5 stage attributes. Members are in this order so that designated
/// initializers can name any subset in declaration order:
/// `{.workers = 10, .timeout = 100ms, .retries = 2, .backoff = 10ms,
///   .onError = OnError::Route, .routeTo = &ch, .ordered = true}`.
struct StageOptions {
  std::int64_t workers = 1;
  std::chrono::nanoseconds timeout{0};  // 0 = no per-item limit
  std::int64_t retries = 0;
  std::chrono::nanoseconds backoff{0};  // wait before retry k is backoff * 2^(k-1)
  OnError onError = OnError::Drop;
  ChannelBase* routeTo = nullptr;  // with OnError::Route; must carry the input type
  bool ordered = false;
};

enum class StageKind : std::uint8_t { Source, Stage, Sink };

/// A snapshot of one stage's metrics.
struct StageStats {
  std::string name;
  StageKind kind = StageKind::Stage;
  std::int64_t workers = 1;
  std::uint64_t in = 0;         // items taken from the inputs
  std::uint64_t out = 0;        // values sent to outputs (not counting routed failures)
  std::uint64_t completed = 0;  // items whose body finished
  std::uint64_t failed = 0;     // items that failed after retries
  std::uint64_t retried = 0;    // re-runs
  std::uint64_t timedOut = 0;   // failures that were timeouts
  std::uint64_t inFlight = 0;   // items abandoned when the run was cancelled
  std::int64_t p50ns = 0;
  std::int64_t p99ns = 0;
  /// §3 accounting: nothing is silently lost.
  [[nodiscard]] bool isBalanced() const noexcept {
    return kind == StageKind::Source || in == completed + failed + inFlight;
  }
};

namespace detail {

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

class StageCore {
 public:
  StageCore(std::string name, StageKind kind, StageOptions opts);
  virtual ~StageCore() = default;
  StageCore(const StageCore&) = delete;
  StageCore& operator=(const StageCore&) = delete;

  /// Starts one coroutine per worker. Called once by the pipeline.
  virtual Task runWorker(RunShared& run, std::int64_t worker) = 0;
  /// Every input channel (for validation and monitoring).
  [[nodiscard]] virtual std::vector<ChannelBase*> inputChannels() const = 0;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] StageKind kind() const noexcept { return kind_; }
  [[nodiscard]] const StageOptions& options() const noexcept { return opts_; }
  void setWorkers(std::int64_t n) noexcept { opts_.workers = n; }
  [[nodiscard]] const std::vector<ChannelBase*>& outputs() const noexcept { return outputs_; }
  void setOutputs(std::vector<ChannelBase*> outs) { outputs_ = std::move(outs); }
  /// Every channel this stage writes: outputs plus the route channel.
  [[nodiscard]] std::vector<ChannelBase*> writtenChannels() const;

  [[nodiscard]] StageStats stats() const;

  // ---- used by the worker loop ----------------------------------------
  void noteIn() noexcept { in_.fetch_add(1, std::memory_order_relaxed); }
  void noteOut() noexcept { out_.fetch_add(1, std::memory_order_relaxed); }
  void noteRetry() noexcept { retried_.fetch_add(1, std::memory_order_relaxed); }
  /// A negative latency means the item was not sampled for the histogram.
  void noteCompleted(std::chrono::nanoseconds latency) noexcept;
  void noteInFlight() noexcept { inFlight_.fetch_add(1, std::memory_order_relaxed); }
  /// Counts and logs (first 10) a failure after retries:
  /// `error: stage NAME: item SEQ: MESSAGE`. Thread-safe.
  void noteFailure(RunShared& run, std::uint64_t seq, const std::string& message, bool timedOut);
  /// Logs `error: stage NAME: MESSAGE` for failures outside an item.
  void logError(const std::string& message) const;
  /// The message of a timeout failure: `timed out after 100ms`.
  [[nodiscard]] std::string timeoutMessage() const;
  /// Releases this worker's writer slot on every written channel.
  void releaseWriters() noexcept;
  /// For `ordered` stages: created by prepare().
  ReorderBuffer* reorder() noexcept { return reorder_.get(); }
  Channel<char>* tokens() noexcept { return tokens_.get(); }
  /// Called by the pipeline before workers start: sizes the reorder buffer,
  /// registers writers. Returns internal channels to cancel with the run.
  [[nodiscard]] std::vector<ChannelBase*> prepare();
  std::atomic<std::uint64_t>& ticketCounter() noexcept { return tickets_; }

 private:
  std::string name_;
  StageKind kind_;
  StageOptions opts_;
  std::vector<ChannelBase*> outputs_;
  std::unique_ptr<ReorderBuffer> reorder_;
  std::unique_ptr<Channel<char>> tokens_;  // ordered: the window's tokens
  std::atomic<std::uint64_t> tickets_{0};  // item sequence numbers
  std::atomic<std::uint64_t> in_{0}, out_{0}, completed_{0}, failed_{0}, retried_{0}, timedOut_{0},
      inFlight_{0};
  std::atomic<int> logged_{0};  // failures logged so far (first 10 are)
  LatencyHistogram latency_;
};

}  // namespace detail
}  // namespace flow
