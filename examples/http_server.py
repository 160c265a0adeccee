"""A small local HTTP server for the service examples and the tests.

Serves only 127.0.0.1. Endpoints (GET unless noted):

  /page/N            "page N"; pages whose N is a multiple of 3 are slow
                     (answered after 5 s), the others after 10 ms
  /text/WORDS        WORDS, at once (URL-decoded)
  /status/CODE       status CODE with the body "status CODE"
  /slow/MS           "slow", after MS milliseconds
  /redirect          302 to /text/redirected
  /stats             "connections=C requests=R aborted=A": connections
                     accepted, requests read, and slow answers whose client
                     hung up before they were sent
  POST /echo         "METHOD CONTENT-TYPE BODY", echoing the request

Connections are kept alive (HTTP/1.1) and each one is served by a thread.
A slow answer watches its socket while it waits: a client that closes the
connection (a timed-out or cancelled request) is counted in `aborted` at
once, so the tests can tell a cancelled request from an abandoned one.

Usage:
  python3 http_server.py serve [--port P]
      serve until interrupted (port 0: any free port); prints the URL
  python3 http_server.py run [--stats FILE] -- CMD ARGS...
      start the server on a free port, run CMD with `{url}` in ARGS
      replaced by the server's URL and `{closed}` by the URL of a port
      nobody listens on (also in the environment: FLOW_TEST_URL,
      FLOW_TEST_CLOSED_URL, PAGES_URL), then write the /stats line to FILE
      and exit with CMD's status
"""
import argparse
import http.server
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.parse


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = 0
        self.aborted = 0

    def add(self, field):
        with self.lock:
            setattr(self, field, getattr(self, field) + 1)

    def line(self):
        with self.lock:
            return f"connections={self.connections} requests={self.requests} aborted={self.aborted}"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse connections

    def setup(self):
        super().setup()
        self.server.stats.add("connections")

    def log_message(self, *args):  # quiet: the tests read the clients' output
        pass

    def answer(self, code, text, headers=()):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def wait(self, seconds):
        """Sleeps, unless the client hangs up first; False if it did."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return True
            readable, _, _ = select.select([self.connection], [], [], left)
            if readable:
                try:
                    data = self.connection.recv(1, socket.MSG_PEEK)
                except OSError:
                    data = b""
                if not data:
                    self.server.stats.add("aborted")
                    self.close_connection = True
                    return False
                time.sleep(min(left, 0.01))  # a pipelined request: keep waiting

    def do_GET(self):
        self.server.stats.add("requests")
        path = urllib.parse.urlsplit(self.path).path
        parts = [p for p in path.split("/") if p]
        try:
            if parts[:1] == ["page"] and len(parts) == 2:
                n = int(parts[1])
                if self.wait(5.0 if n % 3 == 0 else 0.01):
                    self.answer(200, f"page {n}")
            elif parts[:1] == ["text"]:
                self.answer(200, urllib.parse.unquote("/".join(parts[1:])))
            elif parts[:1] == ["status"] and len(parts) == 2:
                code = int(parts[1])
                self.answer(code, f"status {code}")
            elif parts[:1] == ["slow"] and len(parts) == 2:
                if self.wait(int(parts[1]) / 1000.0):
                    self.answer(200, "slow")
            elif parts == ["redirect"]:
                self.answer(302, "moved", [("Location", "/text/redirected")])
            elif parts == ["stats"]:
                self.answer(200, self.server.stats.line())
            else:
                self.answer(404, "not found")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except ValueError:
            self.answer(400, "bad request")

    def do_POST(self):
        self.server.stats.add("requests")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode(errors="replace")
        if urllib.parse.urlsplit(self.path).path != "/echo":
            self.answer(404, "not found")
            return
        self.answer(200, f"{self.command} {self.headers.get('Content-Type', '-')} {body}")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, port):
        super().__init__(("127.0.0.1", port), Handler)
        self.stats = Stats()

    def handle_error(self, request, client_address):  # a client that hung up is not an error
        pass

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


def closed_url():
    """The URL of a loopback port nobody listens on (bound, then released)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--port", type=int, default=0)
    run = sub.add_parser("run")
    run.add_argument("--stats")
    run.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()

    if args.command == "serve":
        server = Server(args.port)
        print(server.url, flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        return 0

    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    server = Server(0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    closed = closed_url()
    env = dict(**__import__("os").environ, FLOW_TEST_URL=server.url, FLOW_TEST_CLOSED_URL=closed,
               PAGES_URL=server.url)
    cmd = [a.replace("{url}", server.url).replace("{closed}", closed) for a in cmd]
    status = subprocess.call(cmd, env=env)
    if args.stats:
        time.sleep(0.05)  # let the server notice connections the command closed as it exited
        with open(args.stats, "w") as f:
            f.write(server.stats.line() + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
