// flow/time.h — the clock and deadline types every blocking operation uses.
// Deadlines (absolute time points on the monotonic clock) are the primitive;
// durations are converted at the edge. Does not own any timers: see
// detail/timer.h for the facility that wakes coroutines at a deadline.
#pragma once

#include <chrono>

namespace flow {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

/// A deadline that never passes.
inline constexpr Deadline kNoDeadline = Deadline::max();

/// now + d, saturating at kNoDeadline instead of overflowing.
/// Thread-safe. Never blocks. Never allocates.
inline Deadline deadlineAfter(std::chrono::nanoseconds d) noexcept {
  const auto now = Clock::now();
  if (d >= kNoDeadline - now) return kNoDeadline;
  return now + std::chrono::duration_cast<Clock::duration>(d);
}

}  // namespace flow
