// flow/report.h — the final report of a run (docs/language.md, "The generated
// program"): per-stage and per-channel metrics, elapsed time and exit status,
// and the two renderings the executable prints: the --stats table and the
// --stats-json document. Does not collect anything itself: Pipeline::wait()
// fills it in.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "flow/channel_base.h"
#include "flow/stage.h"

namespace flow {

struct Report {
  int exitCode = 0;  // 0 ok, 1 on_error stop or a fault, 2 bad configuration, 3 finished with
                     // failed items, 124 deadline, 130 interrupted
  std::chrono::nanoseconds elapsed{0};
  std::vector<StageStats> stages;
  std::vector<ChannelStats> channels;

  /// The accounting check: for every stage, in = completed + failed + in
  /// flight at cancellation.
  [[nodiscard]] bool isBalanced() const noexcept;
};

/// The --stats table (stages, then channels), one line per row.
[[nodiscard]] std::string formatStatsTable(const Report& report);
/// The --stats-json document with exactly the keys of docs/language.md, "The
/// generated program".
[[nodiscard]] std::string formatStatsJson(const Report& report);
/// One monitor line, with the time since the run started:
/// `monitor: 1.250s a 3/100 b 0/0`.
[[nodiscard]] std::string formatMonitorLine(std::chrono::nanoseconds elapsed,
                                            const std::vector<ChannelStats>& channels);

}  // namespace flow
