// test_support.h — helpers shared by the runtime tests: capturing
// print/eprint lines, and a latch-with-deadline, a watchdog and a polling
// wait, so a broken runtime fails a test instead of hanging it. Not part of the runtime.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <flow/format.h>

namespace flowtest {

/// While alive, every print/eprint line is recorded here instead of printed.
class CapturedOutput {
 public:
  CapturedOutput() { flow::detail::setLineSink(&CapturedOutput::sink, this); }
  ~CapturedOutput() { flow::detail::setLineSink(nullptr, nullptr); }
  CapturedOutput(const CapturedOutput&) = delete;
  CapturedOutput& operator=(const CapturedOutput&) = delete;

  std::vector<std::string> out() const {
    std::lock_guard<std::mutex> lock(mu_);
    return out_;
  }
  std::vector<std::string> err() const {
    std::lock_guard<std::mutex> lock(mu_);
    return err_;
  }

 private:
  static void sink(std::string_view line, bool toStderr, void* user) {
    auto* self = static_cast<CapturedOutput*>(user);
    std::lock_guard<std::mutex> lock(self->mu_);
    (toStderr ? self->err_ : self->out_).emplace_back(line);
  }
  mutable std::mutex mu_;  // guards out_, err_
  std::vector<std::string> out_;
  std::vector<std::string> err_;
};

/// A count-down latch whose wait gives up after a deadline (returns false).
class Latch {
 public:
  explicit Latch(int count) : count_(count) {}
  void countDown() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--count_ <= 0) cv_.notify_all();
  }
  [[nodiscard]] bool waitFor(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [this] { return count_ <= 0; });
  }

 private:
  std::mutex mu_;  // guards count_
  std::condition_variable cv_;
  int count_;
};

/// Aborts the process if not destroyed within `limit`: a lost wake-up
/// hangs, and a hang must fail loudly and quickly.
class Watchdog {
 public:
  Watchdog(const char* what, std::chrono::seconds limit) : what_(what) {
    thread_ = std::thread([this, limit] {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
        std::fprintf(stderr, "watchdog: `%s` still running after %llds (lost wake-up?)\n", what_,
                     static_cast<long long>(limit.count()));
        std::abort();
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  const char* what_;
  std::mutex mu_;  // guards done_
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

/// Polls `cond` until it holds or 10 s pass (a loaded machine can be slow).
template <class Cond>
bool eventually(Cond cond) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!cond()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}
}  // namespace flowtest
