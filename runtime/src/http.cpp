// http.cpp — `http_get` / `http_post` on libcurl's multi interface, driven
// by one I/O thread per run (started on the first request): an epoll loop
// over libcurl's sockets (CURLMOPT_SOCKETFUNCTION) and its one timer
// (CURLMOPT_TIMERFUNCTION), fed by an eventfd. A request is an HttpRequest
// in the awaiting coroutine's frame; the coroutine hands it over (submit)
// and suspends, and the I/O thread finishes its waiter when the transfer
// ends, so a request costs no thread and 10,000 of them cost one. Every
// libcurl call happens on the I/O thread (the constructor and close() run
// before it starts and after it ends).
//
// Cancellation is the I/O thread's too, so a transfer and its cancel never
// race: the item's deadline is the transfer's CURLOPT_TIMEOUT_MS (libcurl
// aborts it and closes the connection), and the run's cancel (deadline,
// SIGINT, `on_error stop`) wakes the thread, which removes every transfer
// from the multi handle — closing connections that were mid-exchange — and
// finishes their waiters with Cancelled. Finished transfers leave their
// connection in the multi handle's cache, reused by the next request to the
// same host and port. Design and limits: runtime/README.md, "Services".
#include <curl/curl.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <mutex>
#include <thread>
#include <vector>

#include "flow/context.h"
#include "flow/detail/os.h"
#include "flow/detail/run_shared.h"
#include "flow/services.h"

namespace flow {
namespace detail {
namespace {

static_assert(CURL_ERROR_SIZE <= sizeof(HttpRequest::detail),
              "HttpRequest::detail must hold CURL_ERROR_SIZE");

/// Easy handles kept for reuse once their transfer is done; more in flight
/// are cleaned up when they finish.
constexpr std::size_t kIdleEasyHandles = 256;

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    // Each connection is a file descriptor: allow as many as the hard
    // limit, as Go's runtime does at start-up.
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
      lim.rlim_cur = lim.rlim_max;
      (void)::setrlimit(RLIMIT_NOFILE, &lim);
    }
  });
}

class HttpClient final : public RunService {
 public:
  explicit HttpClient(RunShared& run);
  ~HttpClient() override;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  static RunService* make(RunShared& run) { return new HttpClient(run); }

  /// Hands `req` to the I/O thread, which finishes its waiter when the
  /// exchange ends. False — and `req` untouched — once the run is
  /// cancelled. Thread-safe.
  [[nodiscard]] bool submit(HttpRequest* req);
  void cancel() noexcept override;
  std::vector<std::string> close() override;

 private:
  void loop();
  void wake() noexcept;
  /// Takes the submitted requests and the cancel / stop flags; false once
  /// the thread must stop.
  bool takeMessages();
  void start(HttpRequest* req);
  /// Finishes every transfer libcurl reports done.
  void collectDone();
  /// Removes `req`'s transfer (closing its connection if it was mid-way)
  /// and finishes it with `outcome`. `req` is not touched afterwards.
  void finish(HttpRequest* req, HttpOutcome outcome);
  CURL* takeEasy();
  void returnEasy(CURL* easy);

  static int onSocket(CURL* easy, curl_socket_t s, int what, void* client, void* socketp);
  static int onTimer(CURLM* multi, long ms, void* client);
  static std::size_t onData(char* data, std::size_t size, std::size_t n, void* req);

  Scheduler& sched_;
  int epoll_ = -1;
  int wakeFd_ = -1;
  CURLM* multi_ = nullptr;
  curl_slist* postHeaders_ = nullptr;  // Content-Type: application/json; no `Expect: 100-continue`
  std::thread thread_;

  // The I/O thread's own (the constructor and close() run without it).
  std::vector<HttpRequest*> active_;            // transfers in the multi handle; HttpRequest::activeIndex
  std::vector<CURL*> idle_;                     // easy handles to reuse
  Deadline timerAt_ = kNoDeadline;              // when libcurl wants CURL_SOCKET_TIMEOUT
  std::vector<std::coroutine_handle<>> ready_;  // woken this turn, scheduled in one batch
  bool cancelling_ = false;                     // the run is cancelled: refuse, abort

  std::mutex mu_;  // Guards queue_, cancelled_ and stopping_. Never held across a libcurl call.
  std::vector<HttpRequest*> queue_;  // submitted, not started yet
  bool cancelled_ = false;
  bool stopping_ = false;
};

HttpClient::HttpClient(RunShared& run) : sched_(run.sched) {
  initCurlOnce();
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  multi_ = curl_multi_init();
  if (epoll_ < 0 || wakeFd_ < 0 || multi_ == nullptr) {
    const int err = errno;
    if (epoll_ >= 0) ::close(epoll_);
    if (wakeFd_ >= 0) ::close(wakeFd_);
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
    throw ItemFailed("cannot start the HTTP client: " + osReason(err));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wakeFd_;
  (void)::epoll_ctl(epoll_, EPOLL_CTL_ADD, wakeFd_, &ev);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &HttpClient::onSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &HttpClient::onTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  postHeaders_ = curl_slist_append(nullptr, "Content-Type: application/json");
  postHeaders_ = curl_slist_append(postHeaders_, "Expect:");
  thread_ = std::thread([this] { loop(); });
}

HttpClient::~HttpClient() { (void)close(); }

bool HttpClient::submit(HttpRequest* req) {
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_ || stopping_) return false;
    first = queue_.empty();
    queue_.push_back(req);
  }
  if (first) wake();  // otherwise a wake is already on its way
  return true;
}

void HttpClient::cancel() noexcept {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
  }
  wake();
}

std::vector<std::string> HttpClient::close() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake();
    thread_.join();
  }
  if (multi_ == nullptr) return {};
  // Every worker has finished, so no transfer is left (each ended before
  // its coroutine could resume); the scheduler is stopped, so wake no one.
  for (HttpRequest* req : active_) {
    curl_multi_remove_handle(multi_, static_cast<CURL*>(req->easy));
    curl_easy_cleanup(static_cast<CURL*>(req->easy));
  }
  active_.clear();
  for (CURL* easy : idle_) curl_easy_cleanup(easy);
  idle_.clear();
  curl_multi_cleanup(multi_);  // closes the cached connections
  multi_ = nullptr;
  curl_slist_free_all(postHeaders_);
  ::close(wakeFd_);
  ::close(epoll_);
  return {};
}

void HttpClient::wake() noexcept {
  const std::uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: the thread will wake.
  (void)!::write(wakeFd_, &one, sizeof one);
}

void HttpClient::loop() {
  epoll_event events[256];
  int running = 0;
  for (;;) {
    int timeoutMs = -1;
    if (timerAt_ != kNoDeadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(timerAt_ - Clock::now()).count();
      timeoutMs = left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, INT_MAX));
    }
    const int n = ::epoll_wait(epoll_, events, 256, timeoutMs);
    bool messages = false;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.fd == wakeFd_) {
        messages = true;
        continue;
      }
      int flags = 0;
      if ((events[i].events & EPOLLIN) != 0) flags |= CURL_CSELECT_IN;
      if ((events[i].events & EPOLLOUT) != 0) flags |= CURL_CSELECT_OUT;
      if ((events[i].events & (EPOLLERR | EPOLLHUP)) != 0) flags |= CURL_CSELECT_ERR | CURL_CSELECT_IN;
      curl_multi_socket_action(multi_, events[i].data.fd, flags, &running);
    }
    if (timerAt_ != kNoDeadline && Clock::now() >= timerAt_) {
      timerAt_ = kNoDeadline;  // onTimer may set the next one from inside the call
      curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    collectDone();
    const bool keepGoing = !messages || takeMessages();
    if (!ready_.empty()) {
      sched_.scheduleBatch(ready_);
      ready_.clear();
    }
    if (!keepGoing) return;
  }
}

bool HttpClient::takeMessages() {
  std::uint64_t count = 0;
  (void)!::read(wakeFd_, &count, sizeof count);
  std::vector<HttpRequest*> submitted;
  bool stop = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    submitted.swap(queue_);
    if (cancelled_) cancelling_ = true;
    stop = stopping_;
  }
  if (cancelling_) {
    // The run is cancelled: abort every transfer, start none.
    while (!active_.empty()) finish(active_.back(), HttpOutcome::Cancelled);
    for (HttpRequest* req : submitted) finish(req, HttpOutcome::Cancelled);
  } else {
    for (HttpRequest* req : submitted) start(req);
  }
  return !stop;
}

void HttpClient::start(HttpRequest* req) {
  long timeoutMs = 0;  // 0 = none
  if (req->deadline != kNoDeadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(req->deadline - Clock::now()).count();
    if (left <= 0) return finish(req, HttpOutcome::TimedOut);
    timeoutMs = static_cast<long>(std::min<long long>(left, LONG_MAX));
  }
  CURL* easy = takeEasy();
  if (easy == nullptr) {
    req->code = CURLE_OUT_OF_MEMORY;
    return finish(req, HttpOutcome::Failed);
  }
  req->easy = easy;
  curl_easy_setopt(easy, CURLOPT_URL, req->url.c_str());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, req);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &HttpClient::onData);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->detail.data());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);  // as Go's client: up to 10 redirects
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "flow");
  if (timeoutMs > 0) curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeoutMs);
  if (req->post) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req->body.size()));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, postHeaders_);
  }
  req->activeIndex = active_.size();
  active_.push_back(req);
  if (curl_multi_add_handle(multi_, easy) != CURLM_OK) {
    req->code = CURLE_FAILED_INIT;
    finish(req, HttpOutcome::Failed);
  }
}

void HttpClient::collectDone() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;  // read before the handle is removed
    void* priv = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    auto* req = static_cast<HttpRequest*>(priv);
    if (code == CURLE_OK) {
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &req->status);
      finish(req, HttpOutcome::Done);
      continue;
    }
    long osErrno = 0;
    curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &osErrno);
    req->code = code;
    req->osErrno = static_cast<int>(osErrno);
    // A timeout with an item deadline is that deadline (CURLOPT_TIMEOUT_MS).
    const bool itemDeadline = code == CURLE_OPERATION_TIMEDOUT && req->deadline != kNoDeadline;
    finish(req, itemDeadline ? HttpOutcome::TimedOut : HttpOutcome::Failed);
  }
}

void HttpClient::finish(HttpRequest* req, HttpOutcome outcome) {
  if (req->easy != nullptr) {
    auto* easy = static_cast<CURL*>(req->easy);
    curl_multi_remove_handle(multi_, easy);  // mid-transfer: closes the connection
    HttpRequest* last = active_.back();
    active_[req->activeIndex] = last;
    last->activeIndex = req->activeIndex;
    active_.pop_back();
    req->easy = nullptr;
    returnEasy(easy);
  }
  req->outcome = outcome;
  if (!req->waiter.tryClaim()) return;  // cannot happen: the I/O thread is its only finisher
  const Wake why = outcome == HttpOutcome::Cancelled  ? Wake::Cancelled
                   : outcome == HttpOutcome::TimedOut ? Wake::Timeout
                                                      : Wake::Ok;
  if (std::coroutine_handle<> h = req->waiter.finish(why)) ready_.push_back(h);
}

CURL* HttpClient::takeEasy() {
  if (idle_.empty()) return curl_easy_init();
  CURL* easy = idle_.back();
  idle_.pop_back();
  return easy;
}

void HttpClient::returnEasy(CURL* easy) {
  if (idle_.size() >= kIdleEasyHandles) {
    curl_easy_cleanup(easy);
    return;
  }
  curl_easy_reset(easy);
  idle_.push_back(easy);
}

int HttpClient::onSocket(CURL*, curl_socket_t s, int what, void* client, void* socketp) {
  auto* self = static_cast<HttpClient*>(client);
  if (what == CURL_POLL_REMOVE) {
    (void)::epoll_ctl(self->epoll_, EPOLL_CTL_DEL, s, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0U) | (what & CURL_POLL_OUT ? EPOLLOUT : 0U);
  ev.data.fd = s;
  if (socketp == nullptr) {  // first time libcurl tells us about this socket
    (void)::epoll_ctl(self->epoll_, EPOLL_CTL_ADD, s, &ev);
    curl_multi_assign(self->multi_, s, self);
    return 0;
  }
  (void)::epoll_ctl(self->epoll_, EPOLL_CTL_MOD, s, &ev);
  return 0;
}

int HttpClient::onTimer(CURLM*, long ms, void* client) {
  auto* self = static_cast<HttpClient*>(client);
  self->timerAt_ = ms < 0 ? kNoDeadline : deadlineAfter(std::chrono::milliseconds(ms));
  return 0;
}

std::size_t HttpClient::onData(char* data, std::size_t size, std::size_t n, void* req) {
  static_cast<HttpRequest*>(req)->response.append(data, size * n);
  return size * n;
}

/// The message of a transfer that ended with an error, URL last:
/// `connection refused: http://127.0.0.1:1/`.
std::string describeFailure(const HttpRequest& r) {
  const auto code = static_cast<CURLcode>(r.code);
  const std::string& url = r.url;
  const std::string detail(r.detail.data());
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      if (r.osErrno == ECONNREFUSED) return "connection refused: " + url;
      if (r.osErrno != 0) return "cannot connect: " + osReason(r.osErrno) + ": " + url;
      return "cannot connect: " + url;
    case CURLE_COULDNT_RESOLVE_HOST:
      return "cannot resolve host: " + url;
    case CURLE_UNSUPPORTED_PROTOCOL:
      return "unsupported URL scheme (http and https only): " + url;
    case CURLE_URL_MALFORMAT:
      return "malformed URL: " + url;
    case CURLE_GOT_NOTHING:
      return "empty reply: " + url;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      if (r.osErrno == ECONNRESET) return "connection reset: " + url;
      if (r.osErrno != 0) return "connection error: " + osReason(r.osErrno) + ": " + url;
      return "connection error: " + url;
    case CURLE_OPERATION_TIMEDOUT:
      return "connection timed out: " + url;
    case CURLE_TOO_MANY_REDIRECTS:
      return "too many redirects: " + url;
    default:
      break;
  }
  return std::string("request failed: ") + (detail.empty() ? curl_easy_strerror(code) : detail) + ": " + url;
}

}  // namespace
}  // namespace detail

HttpCall::HttpCall(Context& ctx, std::string url, std::string body, bool post) : ctx_(ctx) {
  req_.url = std::move(url);
  req_.body = std::move(body);
  req_.post = post;
  req_.deadline = ctx.deadline();
}

bool HttpCall::await_ready() noexcept {
  if (ctx_.isCancelled()) {
    req_.outcome = detail::HttpOutcome::Cancelled;
    return true;
  }
  if (req_.deadline != kNoDeadline && Clock::now() >= req_.deadline) {
    req_.outcome = detail::HttpOutcome::TimedOut;
    return true;
  }
  return false;
}

bool HttpCall::await_suspend(std::coroutine_handle<> h) {
  detail::RunShared& run = ctx_.runShared();
  auto& client = static_cast<detail::HttpClient&>(
      run.service(detail::RunService::Kind::Http, &detail::HttpClient::make));
  req_.waiter.prepare(h, &run.sched);
  // On the virtual clock a request takes no simulated time (its timeout
  // still bounds it, in real time): the clock waits for the answer.
  if (detail::virtualClockOn()) {
    holdsClock_ = true;
    detail::gVirtualClockHolds.fetch_add(1, std::memory_order_seq_cst);
  }
  if (!client.submit(&req_)) {
    req_.outcome = detail::HttpOutcome::Cancelled;
    return false;
  }
  return req_.waiter.suspend();
}

std::string HttpCall::await_resume() {
  ctx_.makeCurrent();
  if (holdsClock_) {
    holdsClock_ = false;
    detail::gVirtualClockHolds.fetch_sub(1, std::memory_order_seq_cst);
  }
  switch (req_.outcome) {
    case detail::HttpOutcome::Done:
      if (req_.status >= 400) throw ItemFailed(concat("HTTP ", req_.status, " from ", req_.url));
      return std::move(req_.response);
    case detail::HttpOutcome::TimedOut:
      throw detail::ItemTimedOut{};
    case detail::HttpOutcome::Cancelled:
      throw detail::RunCancelled{};
    case detail::HttpOutcome::Failed:
    case detail::HttpOutcome::Pending:
      break;
  }
  throw ItemFailed(detail::describeFailure(req_));
}

}  // namespace flow
