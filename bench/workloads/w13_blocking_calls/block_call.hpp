// block_call.hpp — W13's extern: blocks the calling thread (nanosleep, a
// system call, as a driver waiting on a socket would) and returns 2*job+1.
#pragma once
#include <cstdint>

std::int64_t block_call(std::int64_t job, std::int64_t ms);
