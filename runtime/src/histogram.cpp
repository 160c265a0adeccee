// histogram.cpp — bucket arithmetic for LatencyHistogram (log-linear).
// Bucket b covers values with the same leading bit position e and the same
// next 4 bits; values below 16 get exact buckets.
#include "flow/detail/histogram.h"

#include <bit>

namespace flow::detail {

int LatencyHistogram::bucketOf(std::uint64_t v) noexcept {
  if (v < kSub) return static_cast<int>(v);
  const int e = 63 - std::countl_zero(v);  // >= 4
  const int sub = static_cast<int>((v >> (e - 4)) & (kSub - 1));
  return (e - 3) * kSub + sub;
}

std::int64_t LatencyHistogram::upperBoundOf(int bucket) noexcept {
  if (bucket < kSub) return bucket;
  const int e = bucket / kSub + 3;
  const int sub = bucket % kSub;
  const std::uint64_t base = std::uint64_t{1} << e;
  const std::uint64_t step = base / kSub;
  return static_cast<std::int64_t>(base + step * static_cast<std::uint64_t>(sub + 1) - 1);
}

void LatencyHistogram::record(std::int64_t nanos) noexcept {
  const std::uint64_t v = nanos < 0 ? 0 : static_cast<std::uint64_t>(nanos);
  const int b = bucketOf(v);
  counts_[static_cast<std::size_t>(b < kBuckets ? b : kBuckets - 1)].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t LatencyHistogram::count() const noexcept {
  std::uint64_t n = 0;
  for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
  return n;
}

std::int64_t LatencyHistogram::quantile(double q) const noexcept {
  const std::uint64_t total = count();
  if (total == 0) return 0;
  auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total));
  if (rank >= total) rank = total - 1;
  std::uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[static_cast<std::size_t>(b)].load(std::memory_order_relaxed);
    if (seen > rank) return upperBoundOf(b);
  }
  return upperBoundOf(kBuckets - 1);
}

}  // namespace flow::detail
