// pipeline3_tbb.cpp — W1's oneTBB peer, in both of oneTBB's pipeline styles:
//   --variant=0  tbb::parallel_pipeline: serial source, parallel map and
//                filter, serial sink; 1024 tokens in flight mirror the
//                channels' capacity. (default: the faster one here)
//   --variant=1  tbb::flow::graph: input_node -> limiter_node(1024) ->
//                function_node map -> function_node filter -> sink, the sink
//                decrementing the limiter so at most 1024 items are in flight.
// oneTBB cannot drop an item inside a pipeline filter, so the filter hands 0
// to the sink for "dropped": 0 is never a real value (x*2+1 is odd).
// Prints `checksum S` like pipeline3.flow.
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/parallel_pipeline.h>

#include <cstdint>

#include "../common/peer_args.h"

namespace {

constexpr std::size_t kCapacity = 1024;

constexpr auto scale = [](std::int64_t x) { return x * 2 + 1; };
constexpr auto dropThirds = [](std::int64_t x) -> std::int64_t { return x % 3 != 0 ? x : 0; };

std::uint64_t viaParallelPipeline(std::int64_t n, std::size_t tokens) {
  std::int64_t next = 0;
  std::uint64_t sum = 0;
  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, std::int64_t>(tbb::filter_mode::serial_in_order,
                                           [&](tbb::flow_control& fc) -> std::int64_t {
                                             if (next == n) {
                                               fc.stop();
                                               return 0;
                                             }
                                             return next++;
                                           }) &
          tbb::make_filter<std::int64_t, std::int64_t>(tbb::filter_mode::parallel, scale) &
          tbb::make_filter<std::int64_t, std::int64_t>(tbb::filter_mode::parallel, dropThirds) &
          tbb::make_filter<std::int64_t, void>(tbb::filter_mode::serial_out_of_order, [&](std::int64_t x) {
            sum += static_cast<std::uint64_t>(x);
          }));
  return sum;
}

std::uint64_t viaFlowGraph(std::int64_t n) {
  namespace fg = tbb::flow;
  fg::graph g;
  std::int64_t next = 0;
  std::uint64_t sum = 0;
  fg::input_node<std::int64_t> produce(g, [&](tbb::flow_control& fc) -> std::int64_t {
    if (next == n) {
      fc.stop();
      return 0;
    }
    return next++;
  });
  fg::limiter_node<std::int64_t> window(g, kCapacity);
  fg::function_node<std::int64_t, std::int64_t> scaleNode(g, 1, scale);
  fg::function_node<std::int64_t, std::int64_t> dropNode(g, 1, dropThirds);
  fg::function_node<std::int64_t, fg::continue_msg> total(g, fg::serial, [&](std::int64_t x) {
    sum += static_cast<std::uint64_t>(x);
    return fg::continue_msg();
  });
  fg::make_edge(produce, window);
  fg::make_edge(window, scaleNode);
  fg::make_edge(scaleNode, dropNode);
  fg::make_edge(dropNode, total);
  fg::make_edge(total, window.decrementer());
  produce.activate();
  g.wait_for_all();
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 10'000'000);
  const bool graph = bench::intFlag(argc, argv, "variant", 0) == 1;
  const auto tokens = static_cast<std::size_t>(bench::intFlag(argc, argv, "tokens", kCapacity));
  bench::printChecksum(graph ? viaFlowGraph(n) : viaParallelPipeline(n, tokens));
}
