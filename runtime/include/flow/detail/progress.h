// flow/detail/progress.h — `--progress`: one live status line on a
// terminal's stderr while the run goes on — the elapsed time, each stage's
// items per second over the last interval, each channel's fill as a small
// bar — redrawn at most every kPeriod (ten times a second) from the thread
// that waits for the run (Pipeline::every), erased when the run ends.
// Lines the program prints meanwhile erase and redraw it
// (detail::setStatusLine), so they are never overwritten. Does not check
// that stderr is a terminal: Program does, and says so when it is not.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "flow/report.h"

namespace flow::detail {

/// The status line for `report` (a live report), given each stage's rate
/// in items per second (same order), cut to `width` columns.
[[nodiscard]] std::string formatProgressLine(const Report& report, const std::vector<double>& rates,
                                             std::size_t width);

class Progress {
 public:
  static constexpr auto kPeriod = std::chrono::milliseconds(100);

  /// Called every kPeriod with the live report; draws the line. The last
  /// call (`final`, after the run) erases it instead.
  void tick(const Report& live, bool final);
  /// The terminal's width in columns (80 when it cannot be told).
  [[nodiscard]] static std::size_t terminalWidth() noexcept;

 private:
  std::vector<std::uint64_t> lastItems_;  // per stage, at the last tick
  std::chrono::nanoseconds lastAt_{0};
};

}  // namespace flow::detail
