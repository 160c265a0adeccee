// block.hpp — an extern that blocks its thread the way a database driver or
// an HTTP client would (tests/lit/run/blocking_externs.flow).
#pragma once
#include <cstdint>

std::int64_t block_ms(std::int64_t ms);
