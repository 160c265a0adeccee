// main.cpp — a host program that embeds the pipeline of pipeline.flow.
//
// flowc_add_pipeline() (CMakeLists.txt) runs `flowc emit` on pipeline.flow,
// which writes pricing.h: the records Order and Quote, a Params struct, and
// the class flowgen::pricing::pricing with one accessor per port. This file
// starts the pipeline, feeds the `orders` input from a thread of its own,
// drains the `quotes` output on the main thread, and waits for the report.
//
// Feeding and draining run concurrently on purpose: the channels are bounded,
// so a host that sent everything before reading anything could block forever
// once the buffers filled.
#include <cstdio>
#include <thread>
#include <vector>

#include "pricing.h"  // generated from pipeline.flow

namespace gen = flowgen::pricing;

int main() {
  gen::Params params;
  params.discount_percent = 10;
  gen::pricing pipeline(params);
  if (!pipeline.start()) {
    std::fprintf(stderr, "embed_host: cannot start the pipeline: %s\n", pipeline.configError().c_str());
    return 2;
  }

  std::thread feeder([&pipeline] {
    const std::vector<gen::Order> orders = {
        {.id = 1, .sku = "apple", .qty = 4},
        {.id = 2, .sku = "bread", .qty = 2},
        {.id = 3, .sku = "caviar", .qty = 1},  // unit_price() throws: the item fails
        {.id = 4, .sku = "cheese", .qty = 1},
    };
    for (const gen::Order& order : orders) {
      // Not Ok only if the run was cancelled meanwhile.
      if (pipeline.orders().send(order) != flow::SendStatus::Ok) break;
    }
    pipeline.orders().close();  // no more input: the pipeline drains and finishes
  });

  // recv() returns Closed once the stage has finished and the buffer is empty.
  // Two workers price the orders; `ordered` keeps the quotes in order.
  gen::Quote quote;
  while (pipeline.quotes().recv(quote) == flow::RecvStatus::Ok) {
    std::printf("%s\n", flow::str(quote).c_str());  // Quote{...}, as print shows it
  }
  feeder.join();

  const flow::Report report = pipeline.wait();
  for (const flow::StageStats& s : report.stages) {
    std::printf("stage %s: in %llu, out %llu, failed %llu\n", s.name.c_str(),
                static_cast<unsigned long long>(s.in), static_cast<unsigned long long>(s.out),
                static_cast<unsigned long long>(s.failed));
  }
  std::printf("exit code %d\n", report.exitCode);
  return report.exitCode;
}
