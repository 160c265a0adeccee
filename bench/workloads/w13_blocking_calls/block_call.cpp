// block_call.cpp — W13's extern (see block_call.hpp), shared by the Flow
// program and the C++ peers.
#include "block_call.hpp"

#include <ctime>

std::int64_t block_call(std::int64_t job, std::int64_t ms) {
  timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
  return 2 * job + 1;
}
