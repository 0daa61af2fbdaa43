"""A small threaded WSGI server for in-process tests, on the standard library's public API.

Production serves with gunicorn (`slackbridge run`); tests that want the app in their own process (to
look at its services and store) serve it with this: one thread per request, stopped from any thread.
"""

from __future__ import annotations

import threading
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import Any, Self
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slackbridge.server import Wsgi


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = True  # server_close() waits for the requests in flight


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # access lines would drown test output
        pass


class TestServer:
    """Serves a WSGI app on 127.0.0.1 (port 0 picks a free one) in a background thread."""

    __test__ = False  # not a pytest test class

    def __init__(self, app: Wsgi, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = make_server(
            host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="wsgi-test-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, let the requests in flight finish, and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
