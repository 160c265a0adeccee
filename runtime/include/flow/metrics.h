// flow/metrics.h — a running pipeline's figures in the Prometheus text
// exposition format (version 0.0.4), what `--metrics=ADDR` serves at
// /metrics: per stage the --stats counters and a latency histogram, per
// channel its length, capacity and counters, each labelled with the
// pipeline and the stage or channel. Formatting only: the figures come
// from Pipeline::liveReport() and the HTTP side is detail/metrics_server.h.
#pragma once

#include <string>
#include <string_view>

#include "flow/report.h"

namespace flow {

/// The exposition of `report` (a live report: each stage's `latency`
/// histogram must still exist). Deterministic: stages and channels in
/// declaration order.
[[nodiscard]] std::string formatPrometheus(std::string_view pipeline, const Report& report);

/// The upper bounds of the latency histogram's buckets, in seconds
/// (`le`), besides `+Inf`.
inline constexpr double kLatencyBucketsSeconds[] = {1e-6, 2.5e-6, 5e-6,   1e-5, 2.5e-5, 5e-5,   1e-4, 2.5e-4,
                                                    5e-4, 1e-3,   2.5e-3, 5e-3, 1e-2,   2.5e-2, 5e-2, 0.1,
                                                    0.25, 0.5,    1.0,    2.5,  5.0,    10.0,   30.0, 60.0};

}  // namespace flow
