// rendezvous_chain_tbb.cpp — W6's oneTBB peer: tbb::parallel_pipeline with a
// serial source, a serial increment and a serial sink. oneTBB has no
// channels; the token count bounds what is in flight as the chain's two
// channels of capacity `cap` do: one item per filter plus `cap` per channel.
// Prints `checksum S` = n(n+1)/2.
#include <oneapi/tbb/parallel_pipeline.h>

#include <cstdint>

#include "../common/peer_args.h"

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 1'000'000);
  const std::int64_t capacity = bench::intFlag(argc, argv, "cap", 0);
  std::int64_t next = 0;
  std::uint64_t sum = 0;
  tbb::parallel_pipeline(
      static_cast<std::size_t>(3 + 2 * capacity),
      tbb::make_filter<void, std::int64_t>(tbb::filter_mode::serial_in_order,
                                           [&](tbb::flow_control& fc) -> std::int64_t {
                                             if (next == n) {
                                               fc.stop();
                                               return 0;
                                             }
                                             return next++;
                                           }) &
          tbb::make_filter<std::int64_t, std::int64_t>(tbb::filter_mode::serial_in_order,
                                                       [](std::int64_t x) { return x + 1; }) &
          tbb::make_filter<std::int64_t, void>(tbb::filter_mode::serial_in_order, [&](std::int64_t x) {
            sum += static_cast<std::uint64_t>(x);
          }));
  bench::printChecksum(sum);
}
