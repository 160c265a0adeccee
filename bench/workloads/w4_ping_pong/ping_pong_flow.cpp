// ping_pong_flow.cpp — W4 for Flow. A `.flow` graph cannot have a cycle, so
// this is written by hand in the shape flowc generates (docs/design/
// generated_code.md: a Params struct, an inline build() wiring a
// flow::Pipeline, flow::Program as main), with two sources that each write one
// capacity-0 channel and read the other through Context::recv, the runtime's
// API for hand-written C++. `pinger` sends i on `ping` and waits for the answer
// on `pong`; `ponger` answers i+1 until `ping` is closed (its owner, pinger,
// finishing closes it). Both are coroutines on the runtime's scheduler, so a
// round trip is two rendezvous hand-offs between coroutines. Prints `checksum
// S` = n(n+1)/2, like ping_pong.go.
#include <flow/flow.h>

#include <cstdint>
#include <optional>

namespace bench::ping_pong {

struct Params {
  std::int64_t n = 1'000'000;  // round trips
};

// inline, like generated code: lambdas inside an inline function have
// linkage, so the runtime's coroutine templates can hold them without
// -Wsubobject-linkage.
inline void build(flow::Pipeline& pl, const Params& P) {
  auto& ping = pl.channel<std::int64_t>("ping", 0);
  auto& pong = pl.channel<std::int64_t>("pong", 0);

  pl.source("pinger", {}, {&ping}, [&ping, &pong, &P](flow::Context& ctx) -> flow::Task {
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < P.n; ++i) {
      co_await ctx.send(ping, i);
      const std::optional<std::int64_t> answer = co_await ctx.recv(pong);
      if (!answer) ctx.fail("pong closed early");
      sum = flow::wrap_add(sum, *answer);
    }
    flow::print(flow::concat("checksum ", sum));
  });

  pl.source("ponger", {}, {&pong}, [&ping, &pong](flow::Context& ctx) -> flow::Task {
    while (const std::optional<std::int64_t> x = co_await ctx.recv(ping)) {
      co_await ctx.send(pong, *x + 1);
    }
  });
}

}  // namespace bench::ping_pong

int main(int argc, char** argv) {
  bench::ping_pong::Params P;
  flow::Program prog("ping_pong");
  prog.param("n", P.n, "int", "round trips");
  return prog.main(argc, argv, [&P](flow::Pipeline& pl) { bench::ping_pong::build(pl, P); });
}
