// embed_host.cpp — a host program for tests/lit/emit/embed.test: constructs
// the pipeline of Inputs/ports.flow (emitted by `flowc emit`), feeds its
// input port from a thread, drains its output port, calls the .flow file's
// functions, and prints the report.
#include <cstdio>
#include <string>
#include <thread>

#include "service.h"

int main() {
  flowgen::service::Params params;
  params.workers_n = 3;
  flowgen::service::service pipeline(params);
  if (!pipeline.start()) {
    std::fprintf(stderr, "cannot start: %s\n", pipeline.configError().c_str());
    return 2;
  }
  std::thread feeder([&pipeline] {
    const char* words[] = {"a", "bb", "bad", "dddd"};
    for (int i = 0; i < 4; ++i) {
      if (pipeline.requests().send(flowgen::service::Request{.id = i, .word = words[i]}) !=
          flow::SendStatus::Ok)
        break;
    }
    pipeline.requests().close();
  });
  flowgen::service::Reply reply;
  while (pipeline.replies().recv(reply) == flow::RecvStatus::Ok)
    std::printf("%s bonus %lld\n", flow::str(reply).c_str(),
                static_cast<long long>(flowgen::service::bonus(reply)));
  std::printf("label %s\n", flowgen::service::label({"x", "y"}).c_str());
  feeder.join();
  const flow::Report report = pipeline.wait();
  std::printf("exit code %d\n", report.exitCode);
  return report.exitCode;
}
