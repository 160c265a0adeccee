// progress.cpp — the `--progress` status line:
//   `2.1s | produce 210/s work 20/s store 20/s | todo [########] 100/100 done [        ] 0/100`
// A stage's rate counts the items it finished (completed or failed) since
// the last tick; a source's counts the values it sent. A channel's bar has
// eight cells, one filled per eighth of its capacity (rounded up, so a
// channel holding anything shows at least one); a capacity-0 channel shows
// its count only. ASCII only, so the width in bytes is the width on screen.
#include "flow/detail/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

#include "flow/format.h"

namespace flow::detail {
namespace {

constexpr int kBarCells = 8;

std::string rateText(double perSecond) {
  char buf[32];
  if (perSecond >= 999'950)
    std::snprintf(buf, sizeof buf, "%.1fM/s", perSecond / 1e6);
  else if (perSecond >= 999.5)
    std::snprintf(buf, sizeof buf, "%.1fk/s", perSecond / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f/s", perSecond);
  return buf;
}

std::uint64_t itemsOf(const StageStats& s) {
  return s.kind == StageKind::Source ? s.out : s.completed + s.failed;
}

}  // namespace

std::string formatProgressLine(const Report& r, const std::vector<double>& rates, std::size_t width) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1fs |", static_cast<double>(r.elapsed.count()) / 1e9);
  std::string line = buf;
  for (std::size_t i = 0; i < r.stages.size(); ++i)
    line += " " + r.stages[i].name + " " + rateText(i < rates.size() ? rates[i] : 0.0);
  if (!r.channels.empty()) line += " |";
  for (const ChannelStats& c : r.channels) {
    line += " " + c.name + " ";
    if (c.capacity > 0) {
      const std::int64_t len = c.len < c.capacity ? c.len : c.capacity;
      const std::int64_t filled = (len * kBarCells + c.capacity - 1) / c.capacity;
      line += "[" + std::string(static_cast<std::size_t>(filled), '#') +
              std::string(static_cast<std::size_t>(kBarCells - filled), ' ') + "] ";
    }
    line += std::to_string(c.len) + "/" + std::to_string(c.capacity);
  }
  if (width > 0 && line.size() > width) line.resize(width);
  return line;
}

std::size_t Progress::terminalWidth() noexcept {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

void Progress::tick(const Report& live, bool final) {
  if (final) {
    setStatusLine("");
    return;
  }
  const double seconds = static_cast<double>((live.elapsed - lastAt_).count()) / 1e9;
  lastItems_.resize(live.stages.size(), 0);
  std::vector<double> rates(live.stages.size(), 0.0);
  for (std::size_t i = 0; i < live.stages.size(); ++i) {
    const std::uint64_t items = itemsOf(live.stages[i]);
    if (seconds > 0 && items >= lastItems_[i])
      rates[i] = static_cast<double>(items - lastItems_[i]) / seconds;
    lastItems_[i] = items;
  }
  lastAt_ = live.elapsed;
  // One column short of the width: a line that fills the last column makes
  // some terminals wrap, and "\r" then no longer returns to its start.
  const std::size_t width = terminalWidth();
  setStatusLine(formatProgressLine(live, rates, width > 1 ? width - 1 : width));
}

}  // namespace flow::detail
