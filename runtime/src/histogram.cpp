// histogram.cpp — bucket arithmetic for LatencyHistogram. A value v >= 128
// with its leading one bit at position e (e >= 7) falls in bucket
// (e - 6) × 128 + the 7 bits after that leading one; below 128, bucket v.
// The two ranges meet without a gap: for e = 7 the formula gives v itself.
#include "flow/detail/histogram.h"

#include <bit>
#include <cmath>

namespace flow::detail {

int LatencyHistogram::bucketOf(std::uint64_t v) noexcept {
  if (v < kSub) return static_cast<int>(v);
  const int e = 63 - std::countl_zero(v);  // >= kSubBits
  if (e >= kTopExponent) return kBuckets - 1;
  const int sub = static_cast<int>((v >> (e - kSubBits)) & (kSub - 1));
  return (e - kSubBits + 1) * kSub + sub;
}

std::int64_t LatencyHistogram::lowerBoundOf(int bucket) noexcept {
  if (bucket < kSub) return bucket;
  const int e = bucket / kSub + kSubBits - 1;
  const auto sub = static_cast<std::uint64_t>(bucket % kSub);
  return static_cast<std::int64_t>((std::uint64_t{1} << e) + (sub << (e - kSubBits)));
}

std::int64_t LatencyHistogram::midpointOf(int bucket) noexcept {
  if (bucket < kSub) return bucket;
  const int e = bucket / kSub + kSubBits - 1;
  const std::int64_t width = std::int64_t{1} << (e - kSubBits);
  return lowerBoundOf(bucket) + (width - 1) / 2;
}

void LatencyHistogram::record(std::int64_t nanos) noexcept {
  const std::uint64_t v = nanos < 0 ? 0 : static_cast<std::uint64_t>(nanos);
  counts_[static_cast<std::size_t>(bucketOf(v))].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::uint64_t LatencyHistogram::count() const noexcept {
  std::uint64_t n = 0;
  for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
  return n;
}

std::int64_t LatencyHistogram::quantile(double q) const noexcept {
  const std::uint64_t total = count();
  if (total == 0) return 0;
  // Nearest rank: the ceil(q × total)-th smallest sample (1-based).
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  if (rank < 1) rank = 1;
  if (rank > total) rank = total;
  std::uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[static_cast<std::size_t>(b)].load(std::memory_order_relaxed);
    if (seen >= rank) return midpointOf(b);
  }
  return midpointOf(kBuckets - 1);
}

void LatencyHistogram::countAtOrBelow(std::span<const std::int64_t> bounds,
                                      std::span<std::uint64_t> out) const noexcept {
  std::size_t i = 0;
  std::uint64_t seen = 0;
  for (int b = 0; b < kBuckets && i < bounds.size(); ++b) {
    while (i < bounds.size() && midpointOf(b) > bounds[i]) out[i++] = seen;
    seen += counts_[static_cast<std::size_t>(b)].load(std::memory_order_relaxed);
  }
  while (i < bounds.size()) out[i++] = seen;
}

}  // namespace flow::detail
