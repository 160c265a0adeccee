// trace.cpp — recording a run for `--trace` and writing it as Chrome
// trace-event JSON: {"traceEvents": [...], "displayTimeUnit": "ms",
// "otherData": {...}}. One process (the pipeline); one thread track per
// worker, named `STAGE #W` and sorted in declaration order; a complete
// event ("X") per traced item with its item number and outcome; instant
// events ("i", thread scope) for retries, timeouts and drops; a counter
// event ("C") per channel-length change. Timestamps are microseconds since
// the run started, with nanosecond decimals.
#include "flow/detail/trace.h"

#include <charconv>
#include <cstdio>
#include <memory>

#include "flow/channel_base.h"
#include "flow/context.h"
#include "flow/format.h"

namespace flow::detail {
namespace {

constexpr std::size_t kChunk = 4096;  // events a buffer takes from the budget at a time

const char* outcomeName(TraceOutcome o) {
  switch (o) {
    case TraceOutcome::Ok:
      return "ok";
    case TraceOutcome::Failed:
      return "failed";
    case TraceOutcome::TimedOut:
      return "timed_out";
    case TraceOutcome::Cancelled:
      return "cancelled";
  }
  return "ok";
}

void appendUnsigned(std::string& out, std::uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

/// Microseconds with three decimals, from nanoseconds (no printf: a trace
/// has millions of these).
void appendMicros(std::string& out, std::int64_t ns) {
  const std::uint64_t v = ns < 0 ? 0 : static_cast<std::uint64_t>(ns);
  appendUnsigned(out, v / 1000);
  const auto frac = static_cast<unsigned>(v % 1000);
  const char digits[4] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                          static_cast<char>('0' + frac % 10)};
  out.append(digits, 4);
}

/// Buffered writing of the (possibly large) file, one event at a time.
class JsonOut {
 public:
  explicit JsonOut(std::FILE* f) : f_(f) {}
  std::string& line() { return buf_; }
  void event() {
    if (!first_) std::fputs(",\n", f_);
    first_ = false;
    std::fwrite(buf_.data(), 1, buf_.size(), f_);
    buf_.clear();
  }

 private:
  std::FILE* f_;
  std::string buf_;
  bool first_ = true;
};

}  // namespace

void TraceBuffer::span(std::uint64_t nth, std::uint64_t item, Clock::time_point started,
                       Clock::time_point ended, TraceOutcome outcome) {
  next_ = nth + sampleEvery_;
  if (room_ == 0 && !reserve()) return;
  --room_;
  TraceEvent e;
  e.kind = TraceEvent::Kind::Span;
  e.outcome = outcome;
  e.start = recorder_->sinceStart(started);
  e.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(ended - started).count();
  e.item = item;
  events_.push_back(e);
}

void TraceBuffer::instant(TraceEvent::Kind kind, std::uint64_t item, std::int64_t detail,
                          std::int32_t channel) {
  if (room_ == 0 && !reserve()) return;
  --room_;
  TraceEvent e;
  e.kind = kind;
  e.start = recorder_->sinceStart(Clock::now());
  e.duration = detail;
  e.item = item;
  e.channel = channel;
  events_.push_back(e);
}

bool TraceBuffer::reserve() {
  room_ = recorder_->grant(kChunk);
  if (room_ == 0) return false;
  events_.reserve(events_.size() + room_);  // the one allocation per chunk
  return true;
}

std::size_t TraceRecorder::grant(std::size_t want) noexcept {
  const std::int64_t left = budget_.fetch_sub(static_cast<std::int64_t>(want), std::memory_order_relaxed);
  if (left >= static_cast<std::int64_t>(want)) return want;
  truncated_.store(true, std::memory_order_relaxed);
  return left > 0 ? static_cast<std::size_t>(left) : 0;
}

TraceBuffer& TraceRecorder::addWorker(std::string stage, std::int64_t worker) {
  workers_.push_back(Worker{std::move(stage), worker, std::make_unique<TraceBuffer>(*this, sampleEvery_)});
  return *workers_.back().buffer;
}

void TraceRecorder::setChannels(std::vector<const ChannelBase*> channels) {
  channels_ = std::move(channels);
  lastLen_.assign(channels_.size(), -1);
}

int TraceRecorder::channelIndex(const ChannelBase& ch) const noexcept {
  for (std::size_t i = 0; i < channels_.size(); ++i)
    if (channels_[i] == &ch) return static_cast<int>(i);
  return -1;
}

void TraceRecorder::sampleChannels(Clock::time_point now) {
  const std::int64_t at = sinceStart(now);
  for (std::size_t i = 0; i < channels_.size(); ++i) {
    const std::int64_t len = channels_[i]->len();
    if (len == lastLen_[i]) continue;
    if (grant(1) == 0) return;
    lastLen_[i] = len;
    counters_.push_back(CounterSample{at, static_cast<std::int32_t>(i), len});
  }
}

void TraceRecorder::noteDrop(const ChannelBase& ch) noexcept {
  Context* ctx = Context::current();
  if (ctx == nullptr || ctx->traceBuffer() == nullptr) return;
  TraceBuffer& b = *ctx->traceBuffer();
  try {
    b.instant(TraceEvent::Kind::Drop, 0, 0, b.recorder().channelIndex(ch));
  } catch (...) {  // out of memory: the trace misses one drop; the run goes on
  }
}

bool TraceRecorder::write(const std::string& path, const std::string& pipeline, std::string& error) const {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "w"), &std::fclose);
  if (!f) {
    error = "cannot write " + path;
    return false;
  }
  std::fputs("{\"traceEvents\": [\n", f.get());
  JsonOut out(f.get());
  std::string& e = out.line();
  e = "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": 0, \"args\": {\"name\": ";
  appendQuoted(e, pipeline);
  e += "}}";
  out.event();
  for (std::size_t t = 0; t < workers_.size(); ++t) {
    const Worker& w = workers_[t];
    const std::string tid = std::to_string(t + 1);
    e = "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": " + tid + ", \"args\": {\"name\": ";
    appendQuoted(e, w.stage + " #" + std::to_string(w.index));
    e += "}}";
    out.event();
    e = "{\"name\": \"thread_sort_index\", \"ph\": \"M\", \"pid\": 1, \"tid\": " + tid +
        ", \"args\": {\"sort_index\": " + tid + "}}";
    out.event();
    // Per worker, once: the parts every event of its track repeats.
    std::string quotedStage;
    appendQuoted(quotedStage, w.stage);
    const std::string spanHead = "{\"name\": " + quotedStage + ", \"cat\": \"item\", \"ph\": \"X\", \"ts\": ";
    const std::string onTrack = ", \"pid\": 1, \"tid\": " + tid;
    for (const TraceEvent& ev : w.buffer->events()) {
      switch (ev.kind) {
        case TraceEvent::Kind::Span:
          e = spanHead;
          appendMicros(e, ev.start);
          e += ", \"dur\": ";
          appendMicros(e, ev.duration);
          e += onTrack;
          e += ", \"args\": {\"item\": ";
          appendUnsigned(e, ev.item);
          e += ", \"outcome\": \"";
          e += outcomeName(ev.outcome);
          e += "\"}}";
          break;
        case TraceEvent::Kind::Retry:
        case TraceEvent::Kind::Timeout:
          e = ev.kind == TraceEvent::Kind::Retry ? "{\"name\": \"retry\"" : "{\"name\": \"timeout\"";
          e += ", \"cat\": \"item\", \"ph\": \"i\", \"s\": \"t\", \"ts\": ";
          appendMicros(e, ev.start);
          e += onTrack;
          e += ", \"args\": {\"stage\": ";
          e += quotedStage;
          e += ", \"item\": ";
          appendUnsigned(e, ev.item);
          e += ", \"attempt\": ";
          appendUnsigned(e, static_cast<std::uint64_t>(ev.duration));
          e += "}}";
          break;
        case TraceEvent::Kind::Drop:
          e = "{\"name\": \"drop\", \"cat\": \"channel\", \"ph\": \"i\", \"s\": \"t\", \"ts\": ";
          appendMicros(e, ev.start);
          e += onTrack;
          e += ", \"args\": {\"channel\": ";
          appendQuoted(e, ev.channel >= 0 ? channels_[static_cast<std::size_t>(ev.channel)]->name() : "?");
          e += "}}";
          break;
      }
      out.event();
    }
  }
  std::vector<std::string> counterHeads;  // `{"name": "channel NAME", "ph": "C", "ts": ` per channel
  for (const ChannelBase* ch : channels_) {
    std::string head = "{\"name\": ";
    appendQuoted(head, "channel " + ch->name());
    counterHeads.push_back(head + ", \"ph\": \"C\", \"ts\": ");
  }
  for (const CounterSample& c : counters_) {
    e = counterHeads[static_cast<std::size_t>(c.channel)];
    appendMicros(e, c.at);
    e += ", \"pid\": 1, \"args\": {\"len\": ";
    appendUnsigned(e, static_cast<std::uint64_t>(c.len));
    e += "}}";
    out.event();
  }
  std::fputs("\n], \"displayTimeUnit\": \"ms\", \"otherData\": {\"pipeline\": ", f.get());
  std::string tail;
  appendQuoted(tail, pipeline);
  tail += ", \"trace_sample\": " + std::to_string(sampleEvery_) +
          ", \"truncated\": " + (truncated() ? "true" : "false") + "}}\n";
  std::fputs(tail.c_str(), f.get());
  if (std::ferror(f.get()) != 0) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace flow::detail
