// flow/program.h — flow::Program, the main() of a generated executable
// (docs/language.md, "The generated program"): parses the command line into the
// params and run options, builds the pipeline, runs it under SIGINT/SIGTERM
// handlers, prints the report (--stats, --stats-json) and returns the exit
// status. A bad flag or value prints one clear line to stderr and returns 2.
// Does not know any particular pipeline: generated code registers params and
// passes build().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "flow/pipeline.h"

namespace flow {

/// Run options from the command line (everything but params).
struct RunOptions {
  bool help = false;
  bool stats = false;
  std::string statsJsonPath;  // empty = none
  bool hasDeadline = false;
  std::chrono::nanoseconds deadline{0};
  bool hasMonitor = false;
  std::chrono::nanoseconds monitor{0};
  std::map<std::string, std::int64_t> workers;  // --workers=STAGE=N
  std::string metricsHost;                      // --metrics=ADDR; empty = off
  int metricsPort = 0;
  std::string tracePath;         // --trace=PATH; empty = off
  std::int64_t traceSample = 1;  // --trace-sample=N: one span per N items of a worker
  bool progress = false;         // --progress
  bool hasSeed = false;
  std::uint64_t seed = 0;  // --seed=N: rand_int/rand_float repeat run to run
};

enum class ParseStatus : std::uint8_t { Ok, Error };

/// Parses a duration like `50ms`, `1.5s`, `2m`, `1h30m`, `0`. Returns false
/// on anything else. Never throws.
[[nodiscard]] bool parseDuration(std::string_view text, std::chrono::nanoseconds& out) noexcept;

class Program {
 public:
  explicit Program(std::string name);

  /// Registers `--NAME=VALUE`; `value` holds the default and receives the
  /// parsed value. `type` is the Flow type name shown by --help.
  void param(std::string name, std::int64_t& value, std::string type = "int", std::string help = "");
  void param(std::string name, double& value, std::string type = "float", std::string help = "");
  void param(std::string name, bool& value, std::string type = "bool", std::string help = "");
  void param(std::string name, std::string& value, std::string type = "string", std::string help = "");
  void param(std::string name, std::chrono::nanoseconds& value, std::string type = "duration",
             std::string help = "");

  /// Marks the registered param `name` as required (a `param` without a
  /// default): parse() fails unless the command line gives it, and --help
  /// shows it as required instead of its default. `name` must have been
  /// registered by param() first.
  void require(std::string_view name);

  /// Parses `args` (without argv[0]). A required param that is not given
  /// is an Error naming every missing flag, unless --help was given. On Error, `error` is the message
  /// (without the `error: ` prefix).
  [[nodiscard]] ParseStatus parse(const std::vector<std::string>& args, RunOptions& options,
                                  std::string& error);
  /// The --help text.
  [[nodiscard]] std::string usage() const;

  /// Everything: parse, build, run, report. Returns the exit status: 0, 1
  /// (on_error stop or a fault), 2 (bad command line), 124 (deadline), 130
  /// (interrupted).
  int main(int argc, char** argv, const std::function<void(Pipeline&)>& build);

 private:
  struct Param {
    std::string name;
    std::string type;
    std::string help;
    std::string defaultText;
    std::function<bool(std::string_view)> set;  // false = malformed value
    bool required = false;                      // no default: must be given
  };
  void add(std::string name, std::string type, std::string help, std::string defaultText,
           std::function<bool(std::string_view)> set);

  std::string name_;
  std::vector<Param> params_;
};

}  // namespace flow
