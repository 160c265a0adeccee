// http_test_server.h — a loopback HTTP/1.1 server for the runtime's HTTP
// tests: one thread, epoll, keep-alive, so thousands of connections cost
// no threads (the tests count the process's threads). Endpoints:
//   /text/WORDS        200 WORDS at once
//   /status/CODE       CODE, body "status CODE"
//   /slow/MS           200 "slow" after MS ms
//   /partial/MS        the head and 5 of 10 body bytes at once, the rest
//                      after MS ms (a client cancelled "while reading the body")
//   POST /echo         200 "POST CONTENT-TYPE BODY"
// It counts connections accepted, requests read, and delayed answers whose
// client hung up before they were complete (`aborted`): a cancelled
// request shows there at once, an abandoned one never does. Also here: a
// listener that never accepts, whose full queue keeps a connect() pending
// (cancelled "while connecting"). 127.0.0.1 only. Not part of the runtime.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>

namespace flowtest {

/// A listening socket on 127.0.0.1 (any free port, or `port`).
inline int listenLoopback(int backlog, int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(fd, backlog);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

/// The URL of a loopback port nobody listens on.
inline std::string closedPortUrl() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/";
}

/// A listener that never accepts: once its queue is full (one connection
/// fills a backlog of 0), the kernel drops further SYNs and their
/// connect() stays pending.
class BlackHole {
 public:
  BlackHole() {
    fd_ = listenLoopback(0, port_);
    filler_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    ::connect(filler_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  ~BlackHole() {
    ::close(filler_);
    ::close(fd_);
  }
  BlackHole(const BlackHole&) = delete;
  BlackHole& operator=(const BlackHole&) = delete;
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  int fd_ = -1;
  int filler_ = -1;
  int port_ = 0;
};

class TestHttpServer {
 public:
  TestHttpServer() {
    listen_ = listenLoopback(4096, port_);
    ::fcntl(listen_, F_SETFL, O_NONBLOCK);
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    stop_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    add(listen_, EPOLLIN);
    add(stop_, EPOLLIN);
    thread_ = std::thread([this] { loop(); });
  }
  ~TestHttpServer() {
    const std::uint64_t one = 1;
    (void)!::write(stop_, &one, sizeof one);
    thread_.join();
    for (auto& [fd, c] : conns_) ::close(fd);
    ::close(listen_);
    ::close(stop_);
    ::close(epoll_);
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  [[nodiscard]] int connections() const { return connections_.load(); }
  [[nodiscard]] int requests() const { return requests_.load(); }
  [[nodiscard]] int aborted() const { return aborted_.load(); }
  [[nodiscard]] int waiting() const { return waiting_.load(); }  // delayed answers not sent yet

 private:
  using Clock = std::chrono::steady_clock;
  struct Conn {
    std::string in;
    std::string later;       // what to send at `at` (a delayed answer or its rest)
    Clock::time_point at{};  // valid while `later` is not empty
  };

  void add(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  }

  static std::string response(int code, const std::string& body, std::size_t length) {
    return "HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Length: " + std::to_string(length) +
           "\r\nContent-Type: text/plain\r\n\r\n" + body;
  }

  void closeConn(int fd) {
    auto it = conns_.find(fd);
    if (it != conns_.end() && !it->second.later.empty()) {
      aborted_.fetch_add(1);
      waiting_.fetch_sub(1);
    }
    conns_.erase(fd);
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
  }

  // Small answers to a blocking-enough socket: the kernel buffer takes them.
  static void sendAll(int fd, const std::string& s) { (void)!::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }

  /// Serves every complete request in `c.in`; false if the connection must close.
  void serve(int fd, Conn& c) {
    for (;;) {
      if (!c.later.empty()) return;  // one delayed answer at a time per connection
      const std::size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      const std::string head = c.in.substr(0, end);
      std::size_t length = 0;
      if (const std::size_t cl = head.find("Content-Length: "); cl != std::string::npos)
        length = std::stoul(head.substr(cl + 16));
      if (c.in.size() < end + 4 + length) return;
      const std::string body = c.in.substr(end + 4, length);
      c.in.erase(0, end + 4 + length);
      requests_.fetch_add(1);
      const std::string method = head.substr(0, head.find(' '));
      const std::size_t p0 = head.find(' ') + 1;
      const std::string path = head.substr(p0, head.find(' ', p0) - p0);
      auto arg = [&](std::size_t prefix) { return path.substr(prefix); };
      if (method == "POST" && path == "/echo") {
        std::string type = "-";
        if (const std::size_t ct = head.find("Content-Type: "); ct != std::string::npos)
          type = head.substr(ct + 14, head.find("\r\n", ct) - ct - 14);
        const std::string text = "POST " + type + " " + body;
        sendAll(fd, response(200, text, text.size()));
      } else if (path.rfind("/text/", 0) == 0) {
        sendAll(fd, response(200, arg(6), arg(6).size()));
      } else if (path.rfind("/status/", 0) == 0) {
        const int code = std::stoi(arg(8));
        const std::string text = "status " + std::to_string(code);
        sendAll(fd, response(code, text, text.size()));
      } else if (path.rfind("/slow/", 0) == 0) {
        c.later = response(200, "slow", 4);
        c.at = Clock::now() + std::chrono::milliseconds(std::stoi(arg(6)));
        waiting_.fetch_add(1);
      } else if (path.rfind("/partial/", 0) == 0) {
        sendAll(fd, response(200, "01234", 10));
        c.later = "56789";
        c.at = Clock::now() + std::chrono::milliseconds(std::stoi(arg(9)));
        waiting_.fetch_add(1);
      } else {
        sendAll(fd, response(404, "not found", 9));
      }
    }
  }

  void loop() {
    epoll_event events[256];
    for (;;) {
      int timeoutMs = -1;
      const auto now = Clock::now();
      for (auto& [fd, c] : conns_) {
        if (c.later.empty()) continue;
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(c.at - now).count();
        const int t = ms < 0 ? 0 : static_cast<int>(ms);
        if (timeoutMs < 0 || t < timeoutMs) timeoutMs = t;
      }
      const int n = ::epoll_wait(epoll_, events, 256, timeoutMs);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == stop_) return;
        if (fd == listen_) {
          for (;;) {
            const int c = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) break;
            connections_.fetch_add(1);
            conns_[c];
            add(c, EPOLLIN | EPOLLRDHUP);
          }
          continue;
        }
        auto it = conns_.find(fd);
        if (it == conns_.end()) continue;
        char buf[4096];
        const ssize_t got = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (got <= 0) {
          if (got < 0 && errno == EAGAIN) continue;
          closeConn(fd);
          continue;
        }
        it->second.in.append(buf, static_cast<std::size_t>(got));
        serve(fd, it->second);
      }
      const auto later = Clock::now();
      for (auto& [fd, c] : conns_) {
        if (c.later.empty() || c.at > later) continue;
        sendAll(fd, c.later);
        c.later.clear();
        waiting_.fetch_sub(1);
        serve(fd, c);
      }
    }
  }

  int listen_ = -1;
  int epoll_ = -1;
  int stop_ = -1;
  int port_ = 0;
  std::map<int, Conn> conns_;  // the server thread's only
  std::atomic<int> connections_{0}, requests_{0}, aborted_{0}, waiting_{0};
  std::thread thread_;
};

}  // namespace flowtest
