// flow/detail/trace.h — `--trace=PATH`: what a run records for a Chrome
// trace-event file (Perfetto and chrome://tracing read it). Each worker
// appends to its own TraceBuffer — spans of the items it ran (every item,
// or one in `--trace-sample=N`), and instants for its retries, timeouts
// and drops — with no lock and no shared cache line; the thread that waits
// for the run samples channel lengths into counter tracks. Nothing is
// written until TraceRecorder::write(), after the run (also after a
// deadline or an interrupt). Memory is bounded: past kMaxEvents events in
// all, recording stops and the file says so.
// A program that does not ask for a trace has no recorder: a worker's
// buffer pointer is null and the worker loop only tests it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "flow/time.h"

namespace flow {
class ChannelBase;
}

namespace flow::detail {

enum class TraceOutcome : std::uint8_t { Ok, Failed, TimedOut, Cancelled };

struct TraceEvent {
  enum class Kind : std::uint8_t { Span, Retry, Timeout, Drop };
  Kind kind = Kind::Span;
  TraceOutcome outcome = TraceOutcome::Ok;
  std::int32_t channel = -1;  // Drop: the channel's index in TraceRecorder::channelNames
  std::int64_t start = 0;     // ns since the run started
  std::int64_t duration = 0;  // Span only
  std::uint64_t item = 0;     // the item number (Retry: the attempt in `duration`)
};

class TraceRecorder;

/// One worker's events. Single writer (the worker); read after the run.
class TraceBuffer {
 public:
  TraceBuffer(TraceRecorder& recorder, std::uint64_t sampleEvery) noexcept
      : recorder_(&recorder), sampleEvery_(sampleEvery) {}
  /// True if the worker's `nth` item (0-based, in the order it ran them)
  /// gets a span: one in sampleEvery, counted from the last span (a
  /// compare, not a division, on every item).
  [[nodiscard]] bool wants(std::uint64_t nth) const noexcept { return nth >= next_; }
  /// The span of the worker's `nth` item, numbered `item` in its stage.
  void span(std::uint64_t nth, std::uint64_t item, Clock::time_point started, Clock::time_point ended,
            TraceOutcome outcome);
  void instant(TraceEvent::Kind kind, std::uint64_t item, std::int64_t detail, std::int32_t channel = -1);
  [[nodiscard]] const std::vector<TraceEvent>& events() const noexcept { return events_; }
  [[nodiscard]] TraceRecorder& recorder() const noexcept { return *recorder_; }

 private:
  /// Takes room for more events from the recorder's budget; false when spent.
  bool reserve();
  TraceRecorder* recorder_;
  std::uint64_t sampleEvery_;
  std::uint64_t next_ = 0;  // the worker's next item to trace
  std::size_t room_ = 0;    // events this buffer may still add
  std::vector<TraceEvent> events_;
};

class TraceRecorder {
 public:
  /// At most this many events in all (spans, instants, counter samples).
  static constexpr std::int64_t kMaxEvents = 4'000'000;

  TraceRecorder(std::uint64_t sampleEvery, Clock::time_point start)
      : sampleEvery_(sampleEvery < 1 ? 1 : sampleEvery), start_(start) {}

  /// Registers a worker (before the run starts); the buffer lives as long
  /// as the recorder.
  TraceBuffer& addWorker(std::string stage, std::int64_t worker);
  /// The channels whose lengths become counter tracks (and drops name).
  void setChannels(std::vector<const ChannelBase*> channels);
  /// Samples every channel's length now, keeping a sample only when it
  /// changed. Called by the waiting thread, never by a worker.
  void sampleChannels(Clock::time_point now);
  /// Records a drop on `ch` for the worker running on this thread, if any.
  static void noteDrop(const ChannelBase& ch) noexcept;

  /// Writes the trace-event JSON to `path`; false (with `error`) if it
  /// cannot. Call after the run: no worker may still record.
  [[nodiscard]] bool write(const std::string& path, const std::string& pipeline, std::string& error) const;
  /// True if the budget ran out and events were left out.
  [[nodiscard]] bool truncated() const noexcept { return truncated_.load(std::memory_order_relaxed); }
  [[nodiscard]] Clock::time_point start() const noexcept { return start_; }
  [[nodiscard]] std::int64_t sinceStart(Clock::time_point t) const noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - start_).count();
  }
  /// TraceBuffer::reserve's budget: grants up to `want` events.
  std::size_t grant(std::size_t want) noexcept;

 private:
  struct Worker {
    std::string stage;
    std::int64_t index;
    std::unique_ptr<TraceBuffer> buffer;
  };
  struct CounterSample {
    std::int64_t at;
    std::int32_t channel;
    std::int64_t len;
  };
  int channelIndex(const ChannelBase& ch) const noexcept;

  std::uint64_t sampleEvery_;
  Clock::time_point start_;
  std::vector<Worker> workers_;  // fixed before the run starts
  std::vector<const ChannelBase*> channels_;
  std::vector<std::int64_t> lastLen_;  // the sampler's, per channel (-1: none yet)
  std::vector<CounterSample> counters_;
  std::atomic<std::int64_t> budget_{kMaxEvents};
  std::atomic<bool> truncated_{false};
};

}  // namespace flow::detail
