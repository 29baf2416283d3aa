"""A real HTTP server on loopback for the connector tests: serves recorded responses, records what the
connector asked for, and can misbehave on purpose (rate limits, errors, oversize or endless bodies)."""

import contextlib
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"
    hang: bool = False  # send nothing until the test ends: a server that never answers
    drip: bool = False  # send the headers, then one byte at a time until the test ends
    close_delimited: bool = False  # no Content-Length: the body ends when the connection closes


class LoopbackServer:
    def __init__(self):
        self.routes: dict[str, Callable[[Seen], Reply]] = {}
        self.fallback: Callable[[Seen], Reply] | None = None  # answers every path without a route
        self.requests: list[Seen] = []
        self.released = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                seen = Seen(parts.path, urllib.parse.parse_qs(parts.query), dict(self.headers.items()))
                server.requests.append(seen)
                route = server.routes.get(parts.path, server.fallback)
                reply = route(seen) if route else Reply(404, b'{"error":"Record not found"}')
                if reply.hang:
                    server.released.wait(60)
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.drip:
                    self.send_header("Content-Length", "1000000")
                    self.end_headers()
                    while not server.released.wait(0.02):
                        try:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        except OSError:
                            return
                    return
                if reply.close_delimited:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                elif "Content-Length" not in reply.headers:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (a size cap): nothing to tell it
                    self.wfile.write(reply.body)

            def log_message(self, format, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, answer: Callable[[Seen], Reply] | Reply | list[Reply]) -> None:
        """Answer `path` with a function of the request, one fixed reply, or a list served in turn
        (the last repeating)."""
        if isinstance(answer, Reply):
            self.routes[path] = lambda seen: answer
        elif isinstance(answer, list):
            queue = list(answer)
            self.routes[path] = lambda seen: queue.pop(0) if len(queue) > 1 else queue[0]
        else:
            self.routes[path] = answer

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.path == path]

    def start(self) -> "LoopbackServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=30)


def fixture(test_file: str, name: str) -> bytes:
    """A recorded response from the fixtures folder beside `test_file`."""
    return (Path(test_file).parent / "fixtures" / name).read_bytes()
