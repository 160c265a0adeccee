// flow/time.h — the clock and deadline types every blocking operation uses.
// Deadlines (absolute time points of flow::Clock) are the primitive;
// durations are converted at the edge. Does not own any timers: see
// detail/timer.h for the facility that wakes coroutines at a deadline.
//
// flow::Clock is the program's clock: the monotonic clock, or — while a
// `flowc test` runs on the virtual clock — simulated time, which stands
// still while anything runs and jumps to the next timer when every worker
// waits (detail/timer.h; docs/language.md, "Testing pipelines"). Sleeps,
// timeouts, retry backoff, deadlines and every other time a pipeline sees
// read it. What the scheduler times about itself (spinning, its monitor's
// ticks) is real time whatever the program's clock says: RealClock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace flow {

namespace detail {
/// Nanoseconds of simulated time while the virtual clock is on, else -1.
/// Written only by enableVirtualClock/advanceVirtualClock/disableVirtualClock.
inline std::atomic<std::int64_t> gVirtualNow{-1};
}  // namespace detail

struct Clock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<Clock, duration>;
  static constexpr bool is_steady = true;
  /// Thread-safe. Never blocks. One relaxed-cost load on top of steady_clock.
  static time_point now() noexcept {
    const std::int64_t simulated = detail::gVirtualNow.load(std::memory_order_acquire);
    if (simulated >= 0) [[unlikely]]
      return time_point(duration(simulated));
    return time_point(
        std::chrono::duration_cast<duration>(std::chrono::steady_clock::now().time_since_epoch()));
  }
};
using Deadline = Clock::time_point;

/// The clock the scheduler times itself with; never simulated.
using RealClock = std::chrono::steady_clock;

/// A deadline that never passes.
inline constexpr Deadline kNoDeadline = Deadline::max();

/// now + d, saturating at kNoDeadline instead of overflowing.
/// Thread-safe. Never blocks. Never allocates.
inline Deadline deadlineAfter(std::chrono::nanoseconds d) noexcept {
  const auto now = Clock::now();
  if (d >= kNoDeadline - now) return kNoDeadline;
  return now + std::chrono::duration_cast<Clock::duration>(d);
}

/// The same instant as a RealClock time point (real mode only: simulated
/// time has no real instant). For waiting on a condition variable.
inline RealClock::time_point toRealTime(Deadline d) noexcept {
  if (d == kNoDeadline) return RealClock::time_point::max();
  return RealClock::time_point(std::chrono::duration_cast<RealClock::duration>(d.time_since_epoch()));
}

namespace detail {
/// True while the virtual clock is on.
inline bool virtualClockOn() noexcept { return gVirtualNow.load(std::memory_order_acquire) >= 0; }
/// Turns the virtual clock on at `start` (flowc test, before a run starts;
/// no run may be going on). Not thread-safe with respect to other calls.
void enableVirtualClock(Deadline start) noexcept;
/// Moves simulated time forward to `to` (never back). Only the timer thread
/// of the run calls it, when every worker waits (timer.cpp).
void advanceVirtualClock(Deadline to) noexcept;
/// Back to the monotonic clock (after the run has ended).
void disableVirtualClock() noexcept;
/// Waits the virtual clock must not see as idle: work done outside the
/// scheduler on a worker's behalf (an HTTP request on the I/O thread). While
/// it is above 0, simulated time stands still, so the wait takes no
/// simulated time. A holder increments it while its worker still runs and
/// decrements it once that worker runs again, so the timer thread, which
/// reads it before asking the scheduler, never sees both idle at once.
inline std::atomic<int> gVirtualClockHolds{0};
}  // namespace detail

}  // namespace flow
