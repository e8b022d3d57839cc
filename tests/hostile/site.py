"""A tiny web site on 127.0.0.1 serving given pages by path, for runs with hostile pages among normal ones.

with PageSite({"/a": normal_article(...), "/evil": deep_bogus_nesting()}) as site:
    site.url("/a")                      # "http://127.0.0.1:PORT/a"
    site.redirect("/go", site.url("/a"))
    site.requests                       # [(path, Authorization header or None), ...] in order
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

__all__ = ["PageSite"]


@dataclass
class _Requests:
    seen: list[tuple[str, str | None]] = field(default_factory=list)  # path, Authorization
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _PageServer

    def do_GET(self) -> None:
        with self.server.requests.lock:
            self.server.requests.seen.append((self.path, self.headers.get("Authorization")))
        target = self.server.redirects.get(self.path)
        if target is not None:
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        page = self.server.pages.get(self.path)
        if page is None:
            self.send_error(404)
            return
        body = page if isinstance(page, bytes) else page.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", self.server.content_types.get(self.path, "text/html; charset=utf-8"))
        for name, value in self.server.headers.get(self.path, {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _PageServer(ThreadingHTTPServer):
    daemon_threads = True
    pages: Mapping[str, str | bytes]
    content_types: Mapping[str, str]
    headers: Mapping[str, Mapping[str, str]]
    redirects: dict[str, str]
    requests: _Requests


class PageSite:
    """`pages` (path → HTML, or bytes sent as they are) served on 127.0.0.1 at a port the kernel picks;
    404 for any other path. `content_types` (path → Content-Type) serves some of them as another type
    than HTML (a feed); `headers` (path → extra headers) adds others, e.g. a Content-Encoding."""

    def __init__(
        self,
        pages: Mapping[str, str | bytes],
        content_types: Mapping[str, str] | None = None,
        headers: Mapping[str, Mapping[str, str]] | None = None,
        redirects: Mapping[str, str] | None = None,
    ) -> None:
        self._server = _PageServer(("127.0.0.1", 0), _Handler)
        self._server.pages = dict(pages)
        self._server.content_types = dict(content_types or {})
        self._server.headers = dict(headers or {})
        self._server.redirects = dict(redirects or {})
        self._server.requests = _Requests()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    def add(
        self,
        pages: Mapping[str, str | bytes],
        content_types: Mapping[str, str] | None = None,
        headers: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """Serve more pages, e.g. ones that must name the site's own URL (known once it listens)."""
        self._server.pages = {**self._server.pages, **pages}
        self._server.content_types = {**self._server.content_types, **(content_types or {})}
        self._server.headers = {**self._server.headers, **(headers or {})}

    def redirect(self, path: str, target: str) -> None:
        """Answer `path` with a 302 to `target`."""
        self._server.redirects[path] = target

    @property
    def key(self) -> str:
        """The site's host key (`scraper.urls.host_key`): ``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str, userinfo: str = "") -> str:
        return f"http://{userinfo + '@' if userinfo else ''}{self.key}{path}"

    @property
    def requests(self) -> list[tuple[str, str | None]]:
        """Every request so far, in order: its path and its Authorization header (None without one)."""
        with self._server.requests.lock:
            return list(self._server.requests.seen)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
