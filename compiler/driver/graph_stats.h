// driver/graph_stats.h — a run's figures for `flowc graph --stats FILE`:
// reads the --stats-json document a generated program wrote and matches
// it to the graph's stages and channels by name. Does not draw anything
// (graph_command.cpp does).
#pragma once

#include <map>
#include <optional>
#include <string>

namespace flow::driver {

struct RunFigures {
  struct Stage {
    double workers = 0, in = 0, out = 0, failed = 0, timedOut = 0, p50ms = 0;
  };
  struct Channel {
    double capacity = 0, sent = 0, received = 0, dropped = 0, maxLen = 0;
  };
  double elapsedSeconds = 0;
  std::map<std::string, Stage> stages;
  std::map<std::string, Channel> channels;
  /// The stage with the least capacity to do work — workers ÷ median item
  /// time — among those that took items; empty if none did.
  std::string slowest;
};

/// Reads `path`. On failure returns std::nullopt with `error` set (e.g.
/// `cannot read stats.json: No such file or directory`, `stats.json is not
/// a --stats-json document: missing "stages"`).
[[nodiscard]] std::optional<RunFigures> readRunFigures(const std::string& path, std::string& error);

}  // namespace flow::driver
