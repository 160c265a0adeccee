// suggest.h — private to runtime/src: the "did you mean" of the generated
// program's command line (an unknown flag, an unknown stage in --workers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flow::detail {

/// How far a candidate may be from the word for closestName.
enum class Closeness : std::uint8_t {
  /// One edit per three characters, at least one: flowc's own rule, for
  /// flags (`--stat` → `--stats`).
  Near,
  /// At least two edits, never as many as the word has characters: for the
  /// pipeline's handful of stage names (`stt` → `sort`).
  Loose,
};

/// The candidate closest to `word` (a swap of two adjacent characters is
/// one edit), or "" when none is close enough.
std::string closestName(std::string_view word, const std::vector<std::string>& candidates,
                        Closeness closeness);

}  // namespace flow::detail
