// fan_in_tbb.cpp — W3's oneTBB peer: a tbb::flow::graph with four input_nodes,
// each behind its own limiter_node(1024) (the bound of its channel), all
// feeding one serial multifunction_node that sums and then decrements the
// limiter of the source the item came from. flow::graph is the oneTBB tool
// for several producers into one consumer; parallel_pipeline has a single
// source. Prints `checksum S` like fan_in.flow.
#include <oneapi/tbb/flow_graph.h>

#include <array>
#include <cstdint>
#include <memory>
#include <tuple>
#include <vector>

#include "../common/peer_args.h"

namespace {

namespace fg = tbb::flow;

struct Tagged {
  std::int64_t value;
  int source;  // which limiter to decrement once the value is consumed
};

using Credits = std::tuple<fg::continue_msg, fg::continue_msg, fg::continue_msg, fg::continue_msg>;
using Merge = fg::multifunction_node<Tagged, Credits>;

template <std::size_t K>
void credit(int source, Merge::output_ports_type& ports) {
  if constexpr (K < 4) {
    if (source == static_cast<int>(K)) {
      std::get<K>(ports).try_put(fg::continue_msg());
      return;
    }
    credit<K + 1>(source, ports);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t n = bench::intFlag(argc, argv, "n", 8'000'000);
  const std::int64_t per = n / 4;

  fg::graph g;
  std::uint64_t sum = 0;
  Merge merge(g, fg::serial, [&](const Tagged& t, Merge::output_ports_type& ports) {
    sum += static_cast<std::uint64_t>(t.value);
    credit<0>(t.source, ports);
  });

  std::array<std::int64_t, 4> next{};
  std::vector<std::unique_ptr<fg::input_node<Tagged>>> sources;
  std::vector<std::unique_ptr<fg::limiter_node<Tagged>>> windows;
  for (int k = 0; k < 4; ++k) {
    sources.push_back(
        std::make_unique<fg::input_node<Tagged>>(g, [&next, per, k](tbb::flow_control& fc) -> Tagged {
          if (next[k] == per) {
            fc.stop();
            return {};
          }
          return {k * per + next[k]++, k};
        }));
    windows.push_back(std::make_unique<fg::limiter_node<Tagged>>(g, 1024));
    fg::make_edge(*sources[k], *windows[k]);
    fg::make_edge(*windows[k], merge);
  }
  fg::make_edge(fg::output_port<0>(merge), windows[0]->decrementer());
  fg::make_edge(fg::output_port<1>(merge), windows[1]->decrementer());
  fg::make_edge(fg::output_port<2>(merge), windows[2]->decrementer());
  fg::make_edge(fg::output_port<3>(merge), windows[3]->decrementer());
  for (auto& s : sources) s->activate();
  g.wait_for_all();
  bench::printChecksum(sum);
}
