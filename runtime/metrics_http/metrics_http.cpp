// metrics_http.cpp — the HTTP half of `--metrics`: a loadable module
// (libflow_metrics_http.so) that serves GET /metrics with cpp-httplib on
// one thread of its own. The runtime dlopen()s it only when a program is
// run with --metrics (runtime/src/metrics_server.cpp), so a program that
// does not ask for metrics never loads cpp-httplib or the TLS and
// compression libraries it depends on (loading them costs every start-up
// several milliseconds). It knows nothing about pipelines: the body of each
// response comes from the runtime's render callback. C ABI only, so the
// module and the program need not agree on any C++ layout.
#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include "metrics_http_abi.h"

namespace {

struct Served {
  httplib::Server server;
  std::thread thread;
};

void appendTo(void* out, const char* data, std::size_t len) {
  static_cast<std::string*>(out)->append(data, len);
}

void setError(char* err, std::size_t cap, const std::string& message) {
  if (cap == 0) return;
  std::snprintf(err, cap, "%s", message.c_str());
}

}  // namespace

extern "C" void* flow_metrics_http_start(const char* host, int port, int* boundPort, FlowMetricsRender render,
                                         void* user, char* err, std::size_t errCap) {
  auto* s = new Served;
  // One request at a time, each on a fresh connection: a scrape is small
  // and rare, and a kept-alive connection would hold the only thread.
  s->server.new_task_queue = [] { return new httplib::ThreadPool(1); };
  s->server.set_keep_alive_max_count(1);
  // Not httplib's default SO_REUSEPORT: with it, a second program could
  // bind a port this one already serves. SO_REUSEADDR only lets a restarted
  // program rebind a port whose old connections linger in TIME_WAIT.
  s->server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s->server.Get("/metrics", [render, user](const httplib::Request&, httplib::Response& res) {
    std::string body;
    render(user, &body, &appendTo);
    res.set_content(body, "text/plain; version=0.0.4; charset=utf-8");
  });
  errno = 0;
  int bound = port;
  bool ok = false;
  if (port == 0) {
    bound = s->server.bind_to_any_port(host);
    ok = bound > 0;
  } else {
    ok = s->server.bind_to_port(host, port);
  }
  if (!ok) {
    const int e = errno;
    setError(err, errCap, e != 0 ? std::strerror(e) : "the address cannot be used");
    delete s;
    return nullptr;
  }
  *boundPort = bound;
  s->thread = std::thread([s] { (void)s->server.listen_after_bind(); });
  return s;
}

extern "C" void flow_metrics_http_stop(void* handle) {
  auto* s = static_cast<Served*>(handle);
  if (s == nullptr) return;
  s->server.stop();
  if (s->thread.joinable()) s->thread.join();
  delete s;
}
