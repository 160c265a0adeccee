// Tests of what lets a person watch a run, at the runtime's API: a live
// report and its Prometheus rendering taken from another thread while the
// workers run (ThreadSanitizer checks the reads), the trace a run records,
// the metrics HTTP server (a real GET on the loopback address, and a port
// in use), and the advice rules on made-up reports.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <flow/advice.h>
#include <flow/detail/metrics_server.h>
#include <flow/flow.h>
#include <flow/metrics.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "test_support.h"

using namespace std::chrono_literals;
using flow::Context;
using flow::Task;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

/// gen -> nums (drop_newest, 2) -> slow sink: some values are dropped.
void buildLossy(flow::Pipeline& pl, std::int64_t n) {
  auto& nums = pl.channel<std::int64_t>("nums", 2, flow::Overflow::DropNewest);
  pl.source("gen", {}, {&nums}, [&nums, n](Context& ctx) -> Task {
    for (std::int64_t i = 0; i < n; ++i) co_await ctx.send(nums, i);
  });
  pl.sink<std::int64_t>("slow", {}, {&nums},
                        [](Context& ctx, std::int64_t) -> Task { co_await ctx.sleep(1ms); });
}

std::string httpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  (void)write(fd, request.data(), request.size());
  std::string response;
  char buf[4096];
  for (ssize_t k; (k = read(fd, buf, sizeof buf)) > 0;) response.append(buf, static_cast<std::size_t>(k));
  close(fd);
  return response;
}

}  // namespace

TEST_CASE("a live report can be rendered from another thread while workers run", "[observe]") {
  flowtest::Watchdog watchdog("observe_test", 30s);
  flowtest::CapturedOutput capture;  // the sink's failures and prints stay out of the test log
  flow::Pipeline pl;
  buildLossy(pl, 300);
  REQUIRE(pl.start() == flow::StartStatus::Ok);
  std::atomic<bool> done{false};
  std::size_t scrapes = 0;
  std::thread scraper([&] {
    while (!done.load()) {
      const std::string text = flow::formatPrometheus("lossy", pl.liveReport());
      CHECK(text.find("flow_channel_sent_total{pipeline=\"lossy\",channel=\"nums\"}") != std::string::npos);
      ++scrapes;
    }
  });
  const flow::Report r = pl.wait();
  done = true;
  scraper.join();
  CHECK(scrapes > 0);
  CHECK(r.exitCode == 0);
  // After the run, the rendering agrees with the final report.
  const std::string final = flow::formatPrometheus("lossy", pl.liveReport());
  CHECK(final.find("flow_channel_dropped_total{pipeline=\"lossy\",channel=\"nums\"} " +
                   std::to_string(r.channels[0].dropped) + "\n") != std::string::npos);
  CHECK(final.find("flow_stage_in_total{pipeline=\"lossy\",stage=\"slow\"} " +
                   std::to_string(r.stages[1].in) + "\n") != std::string::npos);
}

TEST_CASE("a trace has a span per item and an instant per drop", "[observe]") {
  flowtest::Watchdog watchdog("observe_test", 30s);
  flow::Pipeline pl;
  buildLossy(pl, 200);
  pl.enableTrace(1);
  const flow::Report r = pl.run();
  REQUIRE(r.exitCode == 0);
  const std::string path = "observe_test_trace.json";
  std::string error;
  REQUIRE(pl.writeTrace(path, "lossy", error));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path.c_str());
  const std::string t = text.str();
  REQUIRE(t.starts_with("{\"traceEvents\": ["));
  CHECK(count(t, "\"name\": \"slow\", \"cat\": \"item\", \"ph\": \"X\"") == r.stages[1].in);
  CHECK(count(t, "\"name\": \"gen\", \"cat\": \"item\", \"ph\": \"X\"") == 1);
  CHECK(count(t, "\"name\": \"drop\"") == r.channels[0].dropped);
  CHECK(r.channels[0].dropped > 0);
  CHECK(count(t, "\"thread_name\"") == 2);
  CHECK(!pl.traceTruncated());
}

TEST_CASE("the metrics server answers GET /metrics and refuses a port in use", "[observe]") {
  flowtest::Watchdog watchdog("observe_test", 30s);
  std::atomic<int> renders{0};
  flow::detail::MetricsServer server;
  std::string error;
  REQUIRE(server.start(
      "127.0.0.1", 0,
      [&] {
        ++renders;
        return std::string("flow_test_total 7\n");
      },
      error));
  REQUIRE(server.port() > 0);
  const std::string response = httpGet(server.port(), "/metrics");
  CHECK(response.starts_with("HTTP/1.1 200"));
  CHECK(response.find("text/plain; version=0.0.4") != std::string::npos);
  CHECK(response.ends_with("flow_test_total 7\n"));
  CHECK(renders.load() == 1);
  CHECK(httpGet(server.port(), "/other").starts_with("HTTP/1.1 404"));

  flow::detail::MetricsServer second;
  std::string why;
  CHECK_FALSE(second.start(
      "127.0.0.1", server.port(), [] { return std::string(); }, why));
  CHECK(why == "Address already in use");
  server.stop();
  server.stop();  // idempotent
}

TEST_CASE("listen addresses: host and port, brackets for IPv6, every interface", "[observe]") {
  std::string host;
  int port = -1;
  CHECK(flow::detail::parseListenAddress("127.0.0.1:9464", host, port));
  CHECK((host == "127.0.0.1" && port == 9464));
  CHECK(flow::detail::parseListenAddress(":0", host, port));
  CHECK((host == "0.0.0.0" && port == 0));
  CHECK(flow::detail::parseListenAddress("[::1]:80", host, port));
  CHECK((host == "::1" && port == 80));
  CHECK_FALSE(flow::detail::parseListenAddress("9464", host, port));
  CHECK_FALSE(flow::detail::parseListenAddress("::1:80", host, port));
  CHECK_FALSE(flow::detail::parseListenAddress("host:65536", host, port));
  CHECK_FALSE(flow::detail::parseListenAddress("host:", host, port));
}

TEST_CASE("advice: silent on a healthy report, one line per finding otherwise", "[observe]") {
  flow::Report r;
  r.elapsed = 1s;
  flow::StageStats gen;
  gen.name = "gen";
  gen.kind = flow::StageKind::Source;
  gen.out = 1000;
  gen.outputs = {"todo"};
  flow::StageStats work;
  work.name = "work";
  work.workers = 4;
  work.in = work.completed = 1000;
  work.latencySamples = 1000;
  work.latencySumNs = 2'000'000'000;  // 2 ms per item: busy 50%
  work.inputs = {"todo"};
  flow::ChannelStats todo;
  todo.name = "todo";
  todo.capacity = 16;
  todo.sent = todo.received = 1000;
  todo.maxLen = 9;
  r.stages = {gen, work};
  r.channels = {todo};
  CHECK(flow::adviseFrom(r).empty());

  // The source waited for room 90% of the run: work is the bottleneck.
  // Offered 1000 / 0.1 s = 10,000/s, taken 1,000/s: 4 × 10 × 1.25 = 50.
  r.channels[0].blockedNs = 900'000'000;
  r.channels[0].maxLen = 0;  // nothing left to drain: the source ran the whole second
  r.channels[0].fullSends = 950;
  auto advice = flow::adviseFrom(r);
  REQUIRE(advice.size() == 1);
  CHECK(
      advice[0] ==
      "advice: channel todo was full on 95% of sends (its writers waited 90% of the time); stage work is the "
      "bottleneck: try --workers=work=50");

  // Drops: the capacity that would have held them.
  r.channels[0].blockedNs = 0;
  r.channels[0].dropped = 250;
  advice = flow::adviseFrom(r);
  REQUIRE(advice.size() == 1);
  CHECK(
      advice[0].starts_with("advice: channel todo dropped 250 of 1250 values (20%); a capacity of 266 would "
                            "have held them all in this run, "
                            "but work took values more slowly (1000/s) than they came (1250/s)"));

  // Idle: 1000 items of 0.2 ms on 4 workers in 1 s: busy 5%.
  r.channels[0].dropped = 0;
  r.stages[1].latencySumNs = 200'000'000;
  advice = flow::adviseFrom(r);
  REQUIRE(advice.size() == 1);
  CHECK(advice[0] ==
        "advice: stage work's 4 workers were busy 5% of the time; 1 would do: try --workers=work=1");
}
