// run_shared.cpp — cancelling a run and tracking its live workers.
// Spawned workers run inside a detached coroutine that destroys the worker
// frame (running destructors of per-worker state) before reporting done, so
// once `live` reaches zero no worker touches a stage or channel again.
#include "flow/detail/run_shared.h"

#include <exception>

namespace flow::detail {
namespace {

struct Detached {
  struct promise_type {
    Detached get_return_object() noexcept {
      return Detached{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // runWorker catches everything
    static void* operator new(std::size_t size) { return allocFrame(size); }
    static void operator delete(void* frame, std::size_t size) noexcept { freeFrame(frame, size); }
  };
  std::coroutine_handle<promise_type> handle;
};

Detached runDetached(RunShared& run, Task worker) {
  co_await worker;
  worker = Task{};  // destroy the worker's frame before reporting done
  run.workerDone();
}

}  // namespace

void RunShared::spawn(Task worker) {
  {
    std::lock_guard<std::mutex> lock(mu);
    ++live;
  }
  Detached d = runDetached(*this, std::move(worker));
  sched.schedule(d.handle);
}

void RunShared::workerDone() noexcept {
  bool last = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    last = --live == 0;
    // On the virtual clock, a finished run must not have simulated time
    // moved on to its deadline before wait() sees that it is over (the
    // alarm is set under mu too, only while workers are live).
    if (last) timers.setAlarm(kNoDeadline);
  }
  if (last) cv.notify_all();
}

void RunShared::cancel(int code) noexcept {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (exitCode == 0) exitCode = code;
  }
  cancelled.store(true, std::memory_order_seq_cst);
  sched.requestCheckIns();  // a body that computes stops at its next preemption point
  for (ChannelBase* ch : channels) ch->cancel();
  timers.cancelAll();
  {
    // A service made concurrently either is in the array now, or its maker
    // (under the same lock, after us) sees `cancelled` and cancels it.
    std::lock_guard<std::mutex> lock(servicesMu);
    for (auto& s : services)
      if (s) s->cancel();
  }
  cv.notify_all();
}

RunService& RunShared::service(RunService::Kind kind, RunService* (*make)(RunShared&)) {
  const auto k = static_cast<std::size_t>(kind);
  if (RunService* s = serviceFast[k].load(std::memory_order_acquire)) return *s;
  std::lock_guard<std::mutex> lock(servicesMu);
  if (!services[k]) {
    services[k].reset(make(*this));
    if (cancelled.load(std::memory_order_seq_cst)) services[k]->cancel();
    serviceFast[k].store(services[k].get(), std::memory_order_release);
  }
  return *services[k];
}

std::vector<std::string> RunShared::closeServices() {
  std::vector<std::string> failures;
  for (auto& s : services) {
    if (!s) continue;
    for (std::string& f : s->close()) failures.push_back(std::move(f));
  }
  return failures;
}

}  // namespace flow::detail
