// flow/advice.h — what `--stats` adds below its table: one `advice:` line
// per finding, drawn from the run's own figures (a finished Report) by a
// few rules — a bottleneck behind a channel that was full on most sends,
// a channel far bigger than it ever needed, drops, items that mostly timed
// out, a stage whose workers were mostly idle. Each rule names the numbers
// it saw and what to change. Silent when nothing stands out. Pure: reads
// the report, prints nothing.
#pragma once

#include <string>
#include <vector>

#include "flow/report.h"

namespace flow {

/// The advice lines for `report`, each starting `advice: `, in a fixed
/// order (channels, then stages, in declaration order).
[[nodiscard]] std::vector<std::string> adviseFrom(const Report& report);

}  // namespace flow
