// tally_host.cpp — a host program for tests/lit/emit/embed_keyed.test: feeds
// Inputs/tally.flow's `sales` port (each shop's sales in runs of four, so
// every batch holds one shop), drains `summaries` and prints them sorted.
#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "tally.h"

int main() {
  flowgen::tally::tally pipeline(flowgen::tally::Params{});
  if (!pipeline.start()) {
    std::fprintf(stderr, "cannot start: %s\n", pipeline.configError().c_str());
    return 2;
  }
  std::thread feeder([&pipeline] {
    const char* shops[] = {"north", "south", "east", "west", "central"};
    for (int round = 0; round < 10; ++round)
      for (const char* shop : shops)
        for (int i = 0; i < 4; ++i)
          if (pipeline.sales().send(flowgen::tally::Sale{.shop = shop, .amount = i + 1}) !=
              flow::SendStatus::Ok)
            return;
    pipeline.sales().close();
  });
  std::vector<std::string> lines;
  flowgen::tally::Summary s;
  while (pipeline.summaries().recv(s) == flow::RecvStatus::Ok) lines.push_back(flow::str(s));
  feeder.join();
  std::sort(lines.begin(), lines.end());
  for (const auto& line : lines) std::printf("%s\n", line.c_str());
  const flow::Report report = pipeline.wait();
  std::printf("exit code %d\n", report.exitCode);
  return report.exitCode;
}
