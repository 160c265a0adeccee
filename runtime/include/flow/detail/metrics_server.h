// flow/detail/metrics_server.h — the `--metrics=ADDR` endpoint: parses the
// address, loads the HTTP module (libflow_metrics_http.so, cpp-httplib) on
// demand, and serves whatever `render` returns at /metrics from the
// module's own thread until stop(). Never touches a worker: rendering reads
// the runtime's lock-free counters. Does not format anything itself
// (metrics.h does).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace flow::detail {

/// `HOST:PORT`, `[IPV6]:PORT` or `:PORT` (every interface) with 0 <= PORT
/// <= 65535 (0: any free port). Returns false for anything else.
[[nodiscard]] bool parseListenAddress(std::string_view text, std::string& host, int& port);

class MetricsServer {
 public:
  MetricsServer() = default;
  ~MetricsServer() { stop(); }
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  /// Binds `host:port` and starts serving. False with `error` set if the
  /// module cannot be loaded or the address cannot be bound (e.g.
  /// `Address already in use`). `render` is called on the server's thread.
  [[nodiscard]] bool start(const std::string& host, int port, std::function<std::string()> render,
                           std::string& error);
  /// The port actually bound (the one asked for, or the free one picked for 0).
  [[nodiscard]] int port() const noexcept { return port_; }
  /// Stops serving and joins the thread. Idempotent.
  void stop() noexcept;

 private:
  static void renderInto(void* self, void* out, void (*append)(void*, const char*, std::size_t));
  std::function<std::string()> render_;
  void* handle_ = nullptr;
  void (*stopFn_)(void*) = nullptr;
  int port_ = 0;
};

}  // namespace flow::detail
