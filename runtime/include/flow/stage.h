// flow/stage.h — what a host or generated code says about a stage: its options
// (the stage attributes of docs/language.md, "Pipeline members"), its kind and
// a snapshot of its metrics. The machinery that runs one — the type-independent
// worker loop (detail/stage_core.h) and the typed half per stage
// (detail/stage_runner.h) — is internal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "flow/channel.h"

namespace flow {

namespace detail {
class LatencyHistogram;
}

/// What happens to an item that failed after its retries. Every policy
/// counts the failure and logs it (the first 10 per stage).
///   Unhandled  no `on_error` written: the stage goes on, and the run ends
///              with exit status 3 ("finished with failed items").
///   Drop       an explicit `on_error drop`: the author accepted the loss;
///              the stage goes on and the exit status is not affected.
///   Stop       cancels the whole run (exit status 1).
///   Route      sends the item (or a Failed<T> with the reason) to routeTo.
enum class OnError : std::uint8_t { Unhandled, Drop, Stop, Route };

/// The stage attributes. Members are in this order so that designated
/// initializers can name any subset in declaration order:
/// `{.workers = 10, .timeout = 100ms, .retries = 2, .backoff = 10ms,
///   .onError = OnError::Route, .routeTo = &ch, .ordered = true,
///   .batch = 500, .batchWithin = 200ms, .every = 1s}`.
struct StageOptions {
  std::int64_t workers = 1;
  std::chrono::nanoseconds timeout{0};  // 0 = no per-item limit
  std::int64_t retries = 0;
  std::chrono::nanoseconds backoff{0};  // wait before retry k is backoff * 2^(k-1)
  OnError onError = OnError::Unhandled;
  ChannelBase* routeTo = nullptr;  // with OnError::Route; carries the input type T or Failed<T>
  bool ordered = false;
  /// `batch N`: the body gets lists of up to N items (its item parameter is
  /// a std::vector<In>); 0 = one item at a time.
  std::int64_t batch = 0;
  /// `batch N within D`: a list goes out D after its first item arrived,
  /// full or not; 0 = only when full or when the input is drained.
  std::chrono::nanoseconds batchWithin{0};
  /// `every D { … }`: the tick body runs every D on each worker; 0 = none.
  std::chrono::nanoseconds every{0};
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
  std::uint64_t latencySamples = 0;  // items whose time was sampled (latency)
  std::uint64_t latencySumNs = 0;    // their total time: the mean is the ratio
  std::int64_t timeoutNs = 0;        // its `timeout`, 0 for none
  std::vector<std::string> inputs;   // channels it reads, by name
  std::vector<std::string> outputs;  // channels it writes (outputs, then the route channel)
  /// The live histogram behind p50/p99 (valid while the pipeline exists).
  const detail::LatencyHistogram* latency = nullptr;
  /// Every item is accounted for: nothing is silently lost (docs/language.md,
  /// "Errors").
  [[nodiscard]] bool isBalanced() const noexcept {
    return kind == StageKind::Source || in == completed + failed + inFlight;
  }
};

}  // namespace flow
