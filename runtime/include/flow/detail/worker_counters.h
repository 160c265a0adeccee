// flow/detail/worker_counters.h — one worker's item counters. Only that
// worker writes them, so counting is a relaxed load and store (no
// read-modify-write, no shared cache line on the per-item path);
// StageCore::stats() sums every worker's set.
#pragma once

#include <atomic>
#include <cstdint>

namespace flow::detail {

struct alignas(64) WorkerCounters {
  std::atomic<std::uint64_t> in{0}, out{0}, completed{0};
  /// Single writer only.
  static void bump(std::atomic<std::uint64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  /// Single writer only.
  static void add(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

}  // namespace flow::detail
