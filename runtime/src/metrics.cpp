// metrics.cpp — the Prometheus text exposition of a live report. Every
// metric family has HELP and TYPE lines; counters end in `_total`; label
// values are escaped as the format requires (backslash, quote, newline).
// The latency histogram's cumulative buckets come from the stage's
// bounded-error histogram (detail/histogram.h), so a bucket count is exact
// up to samples within 0.4% of its bound; `_count` and `_sum` cover the
// sampled items (every item up to 1,024 per worker, then every 64th).
#include "flow/metrics.h"

#include <cstdio>
#include <iterator>

#include "flow/detail/histogram.h"

namespace flow {
namespace {

void appendLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

class Exposition {
 public:
  explicit Exposition(std::string_view pipeline) : pipeline_(pipeline) {}

  void family(const char* name, const char* type, const char* help) {
    out_ += concatLine("# HELP ", name, " ", help);
    out_ += concatLine("# TYPE ", name, " ", type);
  }
  /// `name{pipeline="p",KEY="who"[,le="x"]} value`
  void sample(std::string_view name, const char* key, std::string_view who, const std::string& value,
              const char* le = nullptr) {
    out_.append(name);
    out_ += "{pipeline=\"";
    appendLabelValue(out_, pipeline_);
    out_ += "\",";
    out_ += key;
    out_ += "=\"";
    appendLabelValue(out_, who);
    out_ += '"';
    if (le != nullptr) {
      out_ += ",le=\"";
      out_ += le;
      out_ += '"';
    }
    out_ += "} ";
    out_ += value;
    out_ += '\n';
  }
  void pipelineSample(const char* name, const std::string& value) {
    out_ += name;
    out_ += "{pipeline=\"";
    appendLabelValue(out_, pipeline_);
    out_ += "\"} " + value + "\n";
  }
  std::string take() { return std::move(out_); }

 private:
  template <class... Parts>
  static std::string concatLine(const Parts&... parts) {
    std::string line;
    ((line += parts), ...);
    return line + "\n";
  }
  std::string_view pipeline_;
  std::string out_;
};

template <class Get>
void stageCounter(Exposition& e, const Report& r, const char* name, const char* help, Get get) {
  e.family(name, "counter", help);
  for (const StageStats& s : r.stages) e.sample(name, "stage", s.name, std::to_string(get(s)));
}

template <class Get>
void channelFamily(Exposition& e, const Report& r, const char* name, const char* type, const char* help,
                   Get get) {
  e.family(name, type, help);
  for (const ChannelStats& c : r.channels) e.sample(name, "channel", c.name, std::to_string(get(c)));
}

void latencyHistogram(Exposition& e, const Report& r) {
  constexpr const char* kName = "flow_stage_latency_seconds";
  e.family(kName, "histogram",
           "Time of the stage's completed items, sampled (every item up to 1024 per worker, then every "
           "64th).");
  constexpr std::size_t kBounds = std::size(kLatencyBucketsSeconds);
  std::int64_t boundsNs[kBounds];
  std::string les[kBounds];
  for (std::size_t i = 0; i < kBounds; ++i) {
    boundsNs[i] = static_cast<std::int64_t>(kLatencyBucketsSeconds[i] * 1e9 + 0.5);
    les[i] = number(kLatencyBucketsSeconds[i]);
  }
  const std::string bucket = std::string(kName) + "_bucket";
  for (const StageStats& s : r.stages) {
    std::uint64_t counts[kBounds] = {};
    std::uint64_t total = s.latencySamples;
    std::uint64_t sumNs = s.latencySumNs;
    if (s.latency != nullptr) {
      // One pass over the live histogram; the count is read in the same
      // pass, so the +Inf bucket is never below the others.
      s.latency->countAtOrBelow(boundsNs, counts);
      total = s.latency->count();
      sumNs = s.latency->sumNanos();
      if (total < counts[kBounds - 1]) total = counts[kBounds - 1];
    }
    for (std::size_t i = 0; i < kBounds; ++i)
      e.sample(bucket, "stage", s.name, std::to_string(counts[i]), les[i].c_str());
    e.sample(bucket, "stage", s.name, std::to_string(total), "+Inf");
    e.sample(std::string(kName) + "_sum", "stage", s.name, number(static_cast<double>(sumNs) / 1e9));
    e.sample(std::string(kName) + "_count", "stage", s.name, std::to_string(total));
  }
}

}  // namespace

std::string formatPrometheus(std::string_view pipeline, const Report& r) {
  Exposition e(pipeline);
  e.family("flow_pipeline_elapsed_seconds", "gauge", "Time since the run started.");
  e.pipelineSample("flow_pipeline_elapsed_seconds", number(static_cast<double>(r.elapsed.count()) / 1e9));

  e.family("flow_stage_workers", "gauge", "Workers the stage runs with.");
  for (const StageStats& s : r.stages)
    e.sample("flow_stage_workers", "stage", s.name, std::to_string(s.workers));
  stageCounter(e, r, "flow_stage_in_total", "Items the stage took from its inputs.",
               [](const StageStats& s) { return s.in; });
  stageCounter(e, r, "flow_stage_out_total", "Values the stage sent to its outputs.",
               [](const StageStats& s) { return s.out; });
  stageCounter(e, r, "flow_stage_completed_total", "Items whose body finished.",
               [](const StageStats& s) { return s.completed; });
  stageCounter(e, r, "flow_stage_failed_total", "Items that failed after their retries.",
               [](const StageStats& s) { return s.failed; });
  stageCounter(e, r, "flow_stage_retried_total", "Re-runs of failed items.",
               [](const StageStats& s) { return s.retried; });
  stageCounter(e, r, "flow_stage_timed_out_total", "Failures that were timeouts.",
               [](const StageStats& s) { return s.timedOut; });
  latencyHistogram(e, r);

  channelFamily(e, r, "flow_channel_length", "gauge", "Values buffered now.",
                [](const ChannelStats& c) { return c.len; });
  channelFamily(e, r, "flow_channel_capacity", "gauge", "Buffer size.",
                [](const ChannelStats& c) { return c.capacity; });
  channelFamily(e, r, "flow_channel_max_length", "gauge", "Highest number of values buffered at once so far.",
                [](const ChannelStats& c) { return c.maxLen; });
  channelFamily(e, r, "flow_channel_sent_total", "counter", "Values accepted into the channel.",
                [](const ChannelStats& c) { return c.sent; });
  channelFamily(e, r, "flow_channel_received_total", "counter", "Values taken out of the channel.",
                [](const ChannelStats& c) { return c.received; });
  channelFamily(e, r, "flow_channel_dropped_total", "counter", "Values discarded by the overflow policy.",
                [](const ChannelStats& c) { return c.dropped; });
  channelFamily(e, r, "flow_channel_full_sends_total", "counter",
                "Sends that found the channel full and waited for room.",
                [](const ChannelStats& c) { return c.fullSends; });
  return e.take();
}

}  // namespace flow
