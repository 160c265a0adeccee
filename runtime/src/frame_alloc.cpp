// frame_alloc.cpp — recycles coroutine frames through per-thread free
// lists, so running a stage body per item does not call malloc on the hot
// path. Frames are binned by size in 64-byte classes up to 4 KiB; larger
// frames go straight to operator new. Each list holds at most kMaxCached
// frames, so a thread that frees many frames allocated elsewhere does not
// hoard memory without bound. Does not return memory to other threads.
#include <cstddef>
#include <new>

#include "flow/task.h"

namespace flow::detail {
namespace {

constexpr std::size_t kGranule = 64;
constexpr std::size_t kClasses = 64;  // up to 4 KiB
constexpr int kMaxCached = 256;

struct FreeFrame {
  FreeFrame* next;
};

struct FrameCache {
  FreeFrame* lists[kClasses] = {};
  int counts[kClasses] = {};
  ~FrameCache() {
    for (FreeFrame*& head : lists) {
      while (head != nullptr) {
        FreeFrame* next = head->next;
        ::operator delete(static_cast<void*>(head));
        head = next;
      }
    }
  }
};

thread_local FrameCache tCache;

std::size_t classOf(std::size_t size) noexcept { return (size + kGranule - 1) / kGranule; }

}  // namespace

void* allocFrame(std::size_t size) {
  const std::size_t c = classOf(size);
  if (c >= kClasses) return ::operator new(size);
  FrameCache& cache = tCache;
  if (FreeFrame* f = cache.lists[c]) {
    cache.lists[c] = f->next;
    --cache.counts[c];
    return f;
  }
  return ::operator new(c* kGranule);
}

void freeFrame(void* frame, std::size_t size) noexcept {
  const std::size_t c = classOf(size);
  FrameCache& cache = tCache;
  if (c >= kClasses || cache.counts[c] >= kMaxCached) {
    ::operator delete(frame);
    return;
  }
  auto* f = static_cast<FreeFrame*>(frame);
  f->next = cache.lists[c];
  cache.lists[c] = f;
  ++cache.counts[c];
}

}  // namespace flow::detail
