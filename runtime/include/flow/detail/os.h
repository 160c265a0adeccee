// flow/detail/os.h — OS failures as the messages Flow reports: the verb, the
// path and the OS's reason (`cannot open nope.log: No such file or
// directory`), whole-file writes that notice every error (also the one a
// full disk reports only when the file is closed). Used by the built-ins
// that touch files and by flow::Program; knows nothing about items or
// pipelines.
#pragma once

#include <string>
#include <string_view>

namespace flow::detail {

/// The OS's text for errno value `err` (`No such file or directory`).
[[nodiscard]] std::string osReason(int err);
/// `cannot VERB PATH: REASON`; a path of "-" is spelled `standard input` /
/// `standard output` by the callers that mean it.
[[nodiscard]] std::string osFailure(std::string_view verb, std::string_view path, int err);
/// Writes `data` to `path` (created or truncated) and closes it. On failure
/// returns false with `failure` = `cannot write PATH: REASON` (or `cannot
/// open …`). Never throws except bad_alloc.
[[nodiscard]] bool writeWholeFile(const std::string& path, std::string_view data, std::string& failure);

}  // namespace flow::detail
