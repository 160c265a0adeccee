// block.cpp — see block.hpp.
#include "block.hpp"

#include <chrono>
#include <thread>

std::int64_t block_ms(std::int64_t ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}
