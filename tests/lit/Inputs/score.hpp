// score.hpp — the extern function of tests/lit/run/stdin_extern.flow.
#pragma once

#include <cstdint>
#include <string>

/// The length of `word`; throws std::invalid_argument for "bad".
std::int64_t score(const std::string& word);
