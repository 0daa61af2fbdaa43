"""HTTP plumbing of the fake Slack: the server thread, routing, and the Web API request cycle."""

from __future__ import annotations

import copy
import email.parser
import email.policy
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from slackbridge.testing.fake_slack.blockkit import validate_blocks
from slackbridge.testing.fake_slack.records import (
    Call,
    Json,
    Response,
    SlackError,
    _Bucket,
    _Failure,
    _ResponseTarget,
)
from slackbridge.testing.fake_slack.state import APP_TOKEN_SCOPES, SlackState

logger = logging.getLogger(__name__)

APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


def _parse_body(content_type: str, body: bytes) -> Json:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        parsed = json.loads(body.decode("utf-8"))
        return parsed if isinstance(parsed, dict) else {}
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        params: Json = {}
        for part in message.iter_parts():
            name = str(part.get_param("name", header="content-disposition"))
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            params[name] = data if part.get_filename() else data.decode("utf-8")
        return params
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true"))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        self.server.fake._handle_http(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake_slack.http " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: SlackServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class SlackServer(SlackState):
    """Serves the fake over HTTP: /api/<method>, /response/<name> and /upload/v1/<file id>."""

    _api: dict[str, Callable[[Json], Json]]  # Slack method name -> handler, filled in by FakeSlack

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        if self._server is None:
            self._server = _Server(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.02,), name="fake-slack", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self._socket.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """What ``WebClient(base_url=...)`` takes."""
        return f"{self.base_url}/api/"

    def response_url(
        self, name: str, *, channel: str | None = None, message_ts: str | None = None, user: str | None = None
    ) -> str:
        """A response_url on this server; when bound to a message, respond() edits it like Slack does."""
        with self._lock:
            self._response_targets[name] = _ResponseTarget(channel, message_ts, user)
        return f"{self.base_url}/response/{name}"

    # ------------------------------------------------------------ HTTP plumbing

    def _handle_http(self, req: BaseHTTPRequestHandler) -> None:
        url = urlsplit(req.path)
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        try:
            if url.path.startswith("/api/"):
                self._handle_api(req, url.path[len("/api/") :], url.query, body)
            elif url.path.startswith("/response/"):
                self._handle_response(req, url.path[len("/response/") :], body)
            elif url.path.startswith("/upload/v1/"):
                self._handle_upload(req, url.path[len("/upload/v1/") :], body)
            else:
                self._send(req, 404, "not_found")
        except Exception:
            logger.exception("fake_slack.handler_failed path=%s", url.path)
            self._send(req, 500, {"ok": False, "error": "internal_error"})

    def _fail(self, req: BaseHTTPRequestHandler, failure: _Failure) -> None:
        if failure.drop:
            req.close_connection = True  # no status line at all: the client sees the connection go away
            return
        if failure.html:
            self._send_html(req, failure.status)
            return
        self._send(req, failure.status, {"ok": False, "error": failure.error}, failure.headers)

    def _send(
        self,
        req: BaseHTTPRequestHandler,
        status: int,
        body: Json | str,
        headers: dict[str, str] | None = None,
    ) -> None:
        is_json = isinstance(body, dict)
        data = (json.dumps(body) if is_json else str(body)).encode("utf-8")
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=utf-8" if is_json else "text/plain")
        req.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            req.send_header(key, value)
        req.end_headers()
        req.wfile.write(data)

    def _send_html(self, req: BaseHTTPRequestHandler, status: int) -> None:
        """What Slack's edge answers when Slack is down: an HTML page, not the Web API's JSON."""
        data = (
            f"<!DOCTYPE html><html><head><title>Slack is unavailable</title></head><body>"
            f"<h1>{status}</h1><p>Slack is having trouble right now.</p></body></html>"
        ).encode()
        req.send_response(status)
        req.send_header("Content-Type", "text/html; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    def _handle_api(self, req: BaseHTTPRequestHandler, method: str, query: str, body: bytes) -> None:
        params: Json = dict(parse_qsl(query, keep_blank_values=True))
        try:
            params.update(_parse_body(req.headers.get("Content-Type", ""), body))
        except (ValueError, UnicodeDecodeError):
            self._send(req, 200, {"ok": False, "error": "invalid_json"})
            return
        auth = req.headers.get("Authorization", "")
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else params.get("token")
        params.pop("token", None)
        with self._lock:
            self._calls.append(Call(method, copy.deepcopy(params), time.time()))
            delay = self._delays[method].popleft() if self._delays.get(method) else 0.0
        if delay:
            time.sleep(delay)
        with self._lock:
            outage = self._outage
        if outage is not None:
            self._send_html(req, outage)
            return
        if not token:
            self._send(req, 200, {"ok": False, "error": "not_authed"})
            return
        if token not in (self.bot_token, self.app_token):
            self._send(req, 200, {"ok": False, "error": "invalid_auth"})
            return
        # Slack lists the token's granted scopes on every answer to an authenticated call.
        granted = {"x-oauth-scopes": ",".join(self.scopes if token == self.bot_token else APP_TOKEN_SCOPES)}
        if (token == self.app_token) != (method in APP_TOKEN_METHODS):
            # An app-level token only opens Socket Mode connections; a bot token cannot open them.
            self._send(req, 200, {"ok": False, "error": "not_allowed_token_type"}, granted)
            return
        with self._lock:
            failure = self._failures[method].popleft() if self._failures.get(method) else None
        if failure is not None and not failure.after:
            self._fail(req, failure)
            return
        handler = self._api.get(method)
        if handler is None:
            self._send(req, 404, {"ok": False, "error": "unknown_method", "req_method": method})
            return
        retry_after = self._take_rate_token(method, params)
        if retry_after:
            self._send(
                req, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after), **granted}
            )
            return
        try:
            with self._lock:
                result = handler(params)
        except SlackError as err:
            payload: Json = {"ok": False, "error": err.error}
            if err.messages:
                payload["response_metadata"] = {"messages": err.messages}
            self._send(req, err.status, payload, granted)
            return
        if failure is not None:  # acted on, but the caller never learns it
            self._fail(req, failure)
            return
        self._send(req, 200, {"ok": True, **result}, granted)

    def _take_rate_token(self, method: str, params: Json) -> int:
        """Return 0 when allowed, else the whole seconds to wait (Slack's Retry-After)."""
        with self._lock:
            if self._rate is None or method != "chat.postMessage":
                return 0
            per_second, burst = self._rate
            now = time.monotonic()
            bucket = self._buckets.setdefault(str(params.get("channel")), _Bucket(float(burst), now))
            bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.last) * per_second)
            bucket.last = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - bucket.tokens) / per_second))

    def _handle_response(self, req: BaseHTTPRequestHandler, name: str, body: bytes) -> None:
        try:
            payload = json.loads(body.decode("utf-8")) if body else {}
        except (ValueError, UnicodeDecodeError):
            self._send(req, 400, "invalid_payload")
            return
        if "blocks" in payload and validate_blocks(payload["blocks"]):
            self._send(req, 400, "invalid_blocks")
            return
        with self._lock:
            self._responses.append(Response(name, payload, time.time()))
            target = self._response_targets.get(name)
            if target is not None and target.channel:
                self._apply_response(target, payload)
        self._send(req, 200, "ok")

    def _apply_response(self, target: _ResponseTarget, payload: Json) -> None:
        channel = str(target.channel)
        original = self._messages.get((channel, target.message_ts or ""))
        if _truthy(payload.get("delete_original")) and original is not None:
            self._remove_message(channel, original["ts"])
        elif _truthy(payload.get("replace_original")) and original is not None:
            original["text"] = payload.get("text", "")
            original["blocks"] = payload.get("blocks", [])
        elif payload.get("response_type") == "in_channel":
            self._store_message(channel, payload, thread_ts=payload.get("thread_ts"))
        elif target.user:
            self._ephemerals.append(
                {
                    "channel": channel,
                    "user": target.user,
                    "ts": self._next_ts(),
                    "text": payload.get("text", ""),
                    "blocks": payload.get("blocks", []),
                    "thread_ts": payload.get("thread_ts"),
                }
            )

    def _handle_upload(self, req: BaseHTTPRequestHandler, file_id: str, body: bytes) -> None:
        content_type = req.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            parts = _parse_body(content_type, body)
            body = next((v for v in parts.values() if isinstance(v, bytes)), b"")
        with self._lock:
            upload = self._files.get(file_id)
            if upload is None:
                self._send(req, 404, "not_found")
                return
            upload.content, upload.uploaded = body, True
        self._send(req, 200, f"OK - {len(body)}")
