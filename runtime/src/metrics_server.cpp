// metrics_server.cpp — loading the metrics HTTP module and starting it.
// The module is looked up, in order, at $FLOW_METRICS_MODULE, in the
// install's library directory, in the build tree, then by the dynamic
// loader's own search; the first that loads wins. It is loaded once and
// never unloaded (its thread may still be winding down at exit).
#include "flow/detail/metrics_server.h"

#include <dlfcn.h>

#include <charconv>
#include <cstdlib>
#include <mutex>

#include "metrics_http_abi.h"

#ifndef FLOW_METRICS_MODULE_INSTALLED
#define FLOW_METRICS_MODULE_INSTALLED ""
#endif
#ifndef FLOW_METRICS_MODULE_BUILT
#define FLOW_METRICS_MODULE_BUILT ""
#endif

namespace flow::detail {
namespace {

struct Module {
  FlowMetricsStartFn start = nullptr;
  FlowMetricsStopFn stop = nullptr;
  std::string error;
};

const Module& loadModule() {
  static Module module;
  static std::once_flag once;
  std::call_once(once, [] {
    const char* env = std::getenv("FLOW_METRICS_MODULE");
    const char* candidates[] = {env != nullptr && *env != '\0' ? env : nullptr, FLOW_METRICS_MODULE_INSTALLED,
                                FLOW_METRICS_MODULE_BUILT, "libflow_metrics_http.so"};
    std::string tried;
    for (const char* path : candidates) {
      if (path == nullptr || *path == '\0') continue;
      void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
      if (lib == nullptr) {
        if (tried.empty()) tried = dlerror();  // the most specific reason: the first path's
        continue;
      }
      module.start = reinterpret_cast<FlowMetricsStartFn>(dlsym(lib, "flow_metrics_http_start"));
      module.stop = reinterpret_cast<FlowMetricsStopFn>(dlsym(lib, "flow_metrics_http_stop"));
      if (module.start != nullptr && module.stop != nullptr) return;
      module.start = nullptr;
      module.stop = nullptr;
    }
    module.error = "cannot load the metrics module libflow_metrics_http.so (" + tried +
                   "); set FLOW_METRICS_MODULE to its path";
  });
  return module;
}

bool parsePort(std::string_view text, int& port) {
  if (text.empty()) return false;
  auto res = std::from_chars(text.data(), text.data() + text.size(), port);
  return res.ec == std::errc() && res.ptr == text.data() + text.size() && port >= 0 && port <= 65535;
}

}  // namespace

bool parseListenAddress(std::string_view text, std::string& host, int& port) {
  if (text.starts_with("[")) {  // [::1]:9464
    const std::size_t close = text.find("]:");
    if (close == std::string_view::npos || close == 1) return false;
    host = std::string(text.substr(1, close - 1));
    return parsePort(text.substr(close + 2), port);
  }
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view h = text.substr(0, colon);
  if (h.find(':') != std::string_view::npos) return false;  // a bare IPv6 address needs brackets
  host = h.empty() ? "0.0.0.0" : std::string(h);
  return parsePort(text.substr(colon + 1), port);
}

void MetricsServer::renderInto(void* self, void* out, void (*append)(void*, const char*, std::size_t)) {
  const std::string body = static_cast<MetricsServer*>(self)->render_();
  append(out, body.data(), body.size());
}

bool MetricsServer::start(const std::string& host, int port, std::function<std::string()> render,
                          std::string& error) {
  const Module& m = loadModule();
  if (m.start == nullptr) {
    error = m.error;
    return false;
  }
  render_ = std::move(render);
  char reason[256] = "";
  int bound = 0;
  handle_ = m.start(host.c_str(), port, &bound, &MetricsServer::renderInto, this, reason, sizeof reason);
  if (handle_ == nullptr) {
    error = reason;
    return false;
  }
  stopFn_ = m.stop;
  port_ = bound;
  return true;
}

void MetricsServer::stop() noexcept {
  if (handle_ == nullptr) return;
  stopFn_(handle_);
  handle_ = nullptr;
}

}  // namespace flow::detail
