// sleepers_tbb.cpp — W5's oneTBB peer: a tbb::flow::graph whose sleeping step
// is an async_node, oneTBB's idiom for work that waits on something outside
// the task scheduler. The node's body hands (job, gateway) to one timer
// thread and returns at once; when the nap is over the timer thread puts the
// job back into the graph through the gateway (reserve_wait/release_wait keep
// wait_for_all() honest meanwhile). A limiter_node keeps `pool` jobs in
// flight, released by the collector, so this is a pool of `pool` sleepers
// that costs a heap entry each rather than a thread or a stack.
// Measured alternatives, slower here: a blocking sleep in a parallel_pipeline
// oversubscribed to `pool` threads (6 s for 10k jobs on 1k; 100k on 10k did
// not finish in 60 s — oneTBB adds threads slowly), and tbb::task::suspend
// with the same timer thread (0.9 s and 9.9 s: a mmap'd stack per suspended
// task). Prints `checksum S` (sum of job ids) like sleepers.flow.
#include <oneapi/tbb/flow_graph.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "../common/peer_args.h"

namespace {

namespace fg = tbb::flow;
using Clock = std::chrono::steady_clock;
using NapNode = fg::async_node<std::int64_t, std::int64_t>;

/// Puts jobs back into the graph at their wake-up time, from one thread.
class TimerThread {
 public:
  TimerThread() : thread_([this](std::stop_token stop) { loop(stop); }) {}
  ~TimerThread() {
    thread_.request_stop();
    cv_.notify_one();
  }

  /// Thread-safe. Never blocks for long. The caller has called
  /// gateway->reserve_wait(); the timer thread releases it after the put.
  void wakeAt(Clock::time_point when, std::int64_t job, NapNode::gateway_type* gateway) {
    {
      std::lock_guard lock(mu_);
      due_.push({when, job, gateway});
    }
    cv_.notify_one();
  }

 private:
  struct Entry {
    Clock::time_point when;
    std::int64_t job;
    NapNode::gateway_type* gateway;
    bool operator>(const Entry& o) const { return when > o.when; }
  };

  void loop(const std::stop_token& stop) {
    std::unique_lock lock(mu_);
    while (!stop.stop_requested()) {
      if (due_.empty()) {
        cv_.wait(lock);
        continue;
      }
      if (Clock::now() < due_.top().when) {
        cv_.wait_until(lock, due_.top().when);
        continue;
      }
      const Entry e = due_.top();
      due_.pop();
      e.gateway->try_put(e.job);  // only spawns a task: fine under our lock
      e.gateway->release_wait();
    }
  }

  std::mutex mu_;  // Guards due_.
  std::condition_variable cv_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> due_;
  std::jthread thread_;  // last: starts after the fields it uses exist
};

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t jobs = bench::intFlag(argc, argv, "jobs", 10'000);
  const std::int64_t pool = bench::intFlag(argc, argv, "pool", 1'000);
  const std::chrono::milliseconds nap(bench::intFlag(argc, argv, "nap_ms", 50));

  TimerThread timers;
  fg::graph g;
  std::int64_t next = 0;
  std::uint64_t sum = 0;
  fg::input_node<std::int64_t> produce(g, [&](tbb::flow_control& fc) -> std::int64_t {
    if (next == jobs) {
      fc.stop();
      return 0;
    }
    return next++;
  });
  fg::limiter_node<std::int64_t> inFlight(g, static_cast<std::size_t>(pool));
  NapNode sleepers(g, fg::unlimited, [&](std::int64_t job, NapNode::gateway_type& gateway) {
    gateway.reserve_wait();
    timers.wakeAt(Clock::now() + nap, job, &gateway);
  });
  fg::function_node<std::int64_t, fg::continue_msg> collect(g, fg::serial, [&](std::int64_t job) {
    sum += static_cast<std::uint64_t>(job);
    return fg::continue_msg();
  });
  fg::make_edge(produce, inFlight);
  fg::make_edge(inFlight, sleepers);
  fg::make_edge(sleepers, collect);
  fg::make_edge(collect, inFlight.decrementer());
  produce.activate();
  g.wait_for_all();
  bench::printChecksum(sum);
}
