// test_support.h — helpers shared by the runtime tests: capturing
// print/eprint lines, and a latch-with-deadline so a broken runtime fails a
// test instead of hanging it. Not part of the runtime.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
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

}  // namespace flowtest
