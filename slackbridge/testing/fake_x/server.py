"""FakeX itself: the HTTP server thread around the pipeline, and the credentials it accepts."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slackbridge.testing.fake_x.errors import problem
from slackbridge.testing.fake_x.pipeline import XPipeline
from slackbridge.testing.fake_x.records import XCredentials

logger = logging.getLogger(__name__)


class FakeX(XPipeline):
    """X API v2 on 127.0.0.1: timelines, search, lookups, posting under X's reply rules, a billing meter."""

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> FakeX:
        handler = type("FakeXHandler", (_Handler,), {"fake": self})
        server = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-x", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeX:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeX is not running: call start() or use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def credentials(self) -> XCredentials:
        """Keyword arguments for XClient that this fake accepts."""
        return {
            "api_key": self.api_key,
            "api_secret": self.api_secret,
            "access_token": self.access_token,
            "access_token_secret": self.access_token_secret,
            "bearer_token": self.bearer_token,
        }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeX
    server_version = "tsa_fake"

    def _serve(self) -> None:
        try:
            answer = self.fake.handle(self)
        except Exception:
            logger.exception("fake_x.handler_failed method=%s path=%s", self.command, self.path)
            answer = (500, problem(500), {})
        if answer is None:
            self.close_connection = True
            return
        status, body, headers = answer
        if isinstance(body, bytes):  # a file from the storage behind compliance jobs
            payload = body
        else:
            payload = json.dumps(body).encode() if body is not None else b""
            headers = {"Content-Type": "application/json; charset=utf-8", **headers}
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (e.g. its read timeout fired)
            logger.debug("fake_x.client_gone path=%s", self.path)

    do_GET = do_POST = do_DELETE = do_PUT = _serve

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake_x.http " + format, *args)
