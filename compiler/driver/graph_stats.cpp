// driver/graph_stats.cpp — reading a --stats-json document with LLVM's JSON
// parser for `flowc graph --stats`. Only the keys the picture uses are
// required ("stages": name, workers, in, out, failed, timed_out, p50_ms;
// "channels": name, capacity, sent, received, dropped, max_len;
// "elapsed_ms"); unknown keys are ignored, so reports from newer programs
// still draw.
#include "driver/graph_stats.h"

#include <llvm/Support/JSON.h>
#include <llvm/Support/MemoryBuffer.h>

namespace flow::driver {
namespace {

bool number(const llvm::json::Object& o, llvm::StringRef key, double& out) {
  auto v = o.getNumber(key);
  if (!v) return false;
  out = *v;
  return true;
}

}  // namespace

std::optional<RunFigures> readRunFigures(const std::string& path, std::string& error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = "cannot read " + path + ": " + buffer.getError().message();
    return std::nullopt;
  }
  llvm::Expected<llvm::json::Value> doc = llvm::json::parse((*buffer)->getBuffer());
  if (!doc) {
    error = path + " is not JSON: " + llvm::toString(doc.takeError());
    return std::nullopt;
  }
  const std::string what = path + " is not a --stats-json document: ";
  const llvm::json::Object* top = doc->getAsObject();
  if (top == nullptr) {
    error = what + "not an object";
    return std::nullopt;
  }
  RunFigures f;
  double elapsedMs = 0;
  const llvm::json::Array* stages = top->getArray("stages");
  const llvm::json::Array* channels = top->getArray("channels");
  if (stages == nullptr || channels == nullptr || !number(*top, "elapsed_ms", elapsedMs)) {
    error = what + "it needs \"stages\", \"channels\" and \"elapsed_ms\"";
    return std::nullopt;
  }
  f.elapsedSeconds = elapsedMs / 1000.0;
  for (const llvm::json::Value& v : *stages) {
    const llvm::json::Object* s = v.getAsObject();
    RunFigures::Stage st;
    if (s == nullptr) {
      error = what + "a stage is not an object";
      return std::nullopt;
    }
    auto name = s->getString("name");
    if (!name || !number(*s, "workers", st.workers) || !number(*s, "in", st.in) ||
        !number(*s, "out", st.out) || !number(*s, "failed", st.failed) ||
        !number(*s, "timed_out", st.timedOut) || !number(*s, "p50_ms", st.p50ms)) {
      error = what + "a stage lacks one of name, workers, in, out, failed, timed_out, p50_ms";
      return std::nullopt;
    }
    f.stages[name->str()] = st;
  }
  for (const llvm::json::Value& v : *channels) {
    const llvm::json::Object* c = v.getAsObject();
    RunFigures::Channel ch;
    if (c == nullptr) {
      error = what + "a channel is not an object";
      return std::nullopt;
    }
    auto name = c->getString("name");
    if (!name || !number(*c, "capacity", ch.capacity) || !number(*c, "sent", ch.sent) ||
        !number(*c, "received", ch.received) || !number(*c, "dropped", ch.dropped) ||
        !number(*c, "max_len", ch.maxLen)) {
      error = what + "a channel lacks one of name, capacity, sent, received, dropped, max_len";
      return std::nullopt;
    }
    f.channels[name->str()] = ch;
  }
  double least = 0;
  for (const auto& [name, st] : f.stages) {
    if (st.in <= 0 || st.p50ms <= 0) continue;
    const double capacity = st.workers / st.p50ms;  // items per ms it could take
    if (f.slowest.empty() || capacity < least) {
      f.slowest = name;
      least = capacity;
    }
  }
  return f;
}

}  // namespace flow::driver
