"""The running service: the Slack endpoint on gunicorn (workers and threads), the inbox, the pollers."""

from __future__ import annotations

import io
import json
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from slackbridge import metrics
from slackbridge.metrics_store import StoreCollector
from slackbridge.runtime import Runtime
from slackbridge.services.inbox import Inbox
from slackbridge.slack.inbound import classify, classify_socket

logger = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # Slack payloads are small; refuse anything absurd before Bolt parses it
INBOX_SWEEP_SECONDS = 3.0  # how often every process looks for stored Slack requests whose process died
GRACEFUL_SECONDS = 30  # SIGTERM: in-flight requests get this long to finish

StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def add_inbox_sweeper(runtime: Runtime, inbox: Inbox) -> None:
    """Every process takes over stored Slack requests whose process died (whatever leadership says)."""
    runtime.add_loop("inbox", inbox.sweep, INBOX_SWEEP_SECONDS)


def make_wsgi(runtime: Runtime, inbox: Inbox | None = None) -> Wsgi:
    """POST /slack/events for everything Slack sends; GET /healthz for the platform; GET /metrics.

    With an inbox, events and state-changing clicks are stored (one INSERT) and acknowledged at once;
    url_verification, commands, modals and clicks that open a modal go to Bolt live, as before."""
    handler = SlackRequestHandler(runtime.app)
    store_figures = StoreCollector(runtime.services.deps)
    verifier = SignatureVerifier(runtime.services.deps.settings.slack_signing_secret)

    def reply(start_response: StartResponse, status: str, payload: dict[str, Any]) -> list[bytes]:
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def slack(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return reply(start_response, "400 Bad Request", {"error": "bad Content-Length"})
        if length > MAX_BODY:
            return reply(start_response, "413 Request Entity Too Large", {"error": "request too large"})
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(raw)  # Bolt reads the body again
        if inbox is not None:
            stored = store(environ, raw, start_response)
            if stored is not None:
                return stored
        try:
            return handler(environ, start_response)
        except (ValueError, UnicodeDecodeError, TypeError, KeyError, AttributeError):
            # Bolt parses the body (and matches listeners on it) before some checks: a broken payload
            # must get a clear 400, not a stack trace and a 500.
            logger.warning("slack.malformed_request length=%s", environ.get("CONTENT_LENGTH"), exc_info=True)
            return reply(start_response, "400 Bad Request", {"error": "malformed Slack request body"})

    def store(environ: dict[str, Any], raw: bytes, start_response: StartResponse) -> Iterable[bytes] | None:
        """Verify, store and acknowledge a request for the inbox; None when Bolt should answer it."""
        assert inbox is not None
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None  # not Slack's: Bolt refuses it as before
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
        if not (
            timestamp.isdigit() and verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
        ):
            logger.info("slack.invalid_signature")
            return reply(start_response, "401 Unauthorized", {"error": "invalid request"})
        incoming = classify(body, str(environ.get("CONTENT_TYPE") or ""))
        if incoming is None:
            return None
        try:
            inbox.accept(incoming)  # a duplicate (Slack's retry, another process) is acknowledged as well
        except Exception:
            # Not stored, so not acknowledged: Slack retries an event, and a clicker sees Slack's error.
            logger.exception("inbox.store_failed kind=%s", incoming.kind)
            return reply(start_response, "503 Service Unavailable", {"error": "store unavailable"})
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/slack/events":
            if method != "POST":
                return reply(start_response, "405 Method Not Allowed", {"error": "use POST"})
            started = time.monotonic()
            try:
                return slack(environ, start_response)
            finally:
                # The answer is built by now (a stored request, or Bolt's ack): what Slack waits for.
                metrics.process().ack_seconds.observe(time.monotonic() - started)
        if path == "/metrics" and method in ("GET", "HEAD"):
            body = metrics.render(store_figures)
            start_response(
                "200 OK", [("Content-Type", metrics.CONTENT_TYPE), ("Content-Length", str(len(body)))]
            )
            return [body]
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok, report = runtime.health()
            if inbox is not None and ok:
                report["inbox"] = inbox.counts()
            return reply(start_response, "200 OK" if ok else "503 Service Unavailable", {"ok": ok, **report})
        return reply(start_response, "404 Not Found", {"error": "not found"})

    return wsgi


@dataclass
class Process:
    """What one serving process holds: the runtime (app, services, loops) and its inbox."""

    runtime: Runtime
    inbox: Inbox

    def start(self) -> None:
        self.runtime.start_pollers()

    def stop(self) -> None:
        self.runtime.stop()
        self.inbox.close()


class GunicornLogs(glogging.Logger):
    """gunicorn's few lines (workers booting and exiting) through our handler: one format, JSON too."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.handlers[:] = []
            log.propagate = True
        self.error_log.setLevel(logging.getLogger().level)


class WebServer(BaseApplication):
    """gunicorn through its documented custom-application API: gthread workers, each with its own process.

    Start-up checks ran in the master already; each worker builds its services (and database engine)
    after the fork, starts its loops, and stops them when it exits (SIGTERM lets in-flight requests end)."""

    def __init__(self, build: Callable[[], Process], options: dict[str, Any]) -> None:
        self.build = build
        self.options = options
        self.process: Process | None = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("worker_exit", self._worker_exit)
        self.cfg.set("child_exit", lambda _server, worker: metrics.process_exited(worker.pid))

    def load(self) -> Wsgi:
        self.process = self.build()
        self.process.start()
        return make_wsgi(self.process.runtime, self.process.inbox)

    def _worker_exit(self, _server: Any, _worker: Any) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None


def listen(host: str, port: int) -> socket.socket:
    """Bind in the master before forking, so `--port 0` has a real port to log and hand to gunicorn."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def serve_http(
    build: Callable[[], Process], *, sock: socket.socket, workers: int | None = None, threads: int = 8
) -> int:
    """Serve on `sock` (from `listen`) until SIGTERM or Ctrl-C; in-flight requests finish; the exit status."""
    host, real_port = sock.getsockname()[:2]
    options: dict[str, Any] = {
        "bind": [f"fd://{sock.detach()}"],  # gunicorn owns the socket from here
        "worker_class": "gthread",
        "threads": threads,
        "graceful_timeout": GRACEFUL_SECONDS,
        "proc_name": "slackbridge",
        "accesslog": None,
        "logger_class": GunicornLogs,
    }
    if workers is not None:
        options["workers"] = workers  # else gunicorn's default: $WEB_CONCURRENCY, or 1
    server = WebServer(build, options)
    logger.info(
        "server.listening host=%s port=%s workers=%s threads=%s", host, real_port, server.cfg.workers, threads
    )
    try:
        server.run()
    except SystemExit as exc:  # gunicorn's master ends by exiting; we still log and return
        return exc.code if isinstance(exc.code, int) else 0
    finally:
        logger.info("server.stopped")
    return 0


def _wait_for_signal() -> None:
    stopping = threading.Event()

    def stop(_signum: int, _frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    stopping.wait()


def serve_pollers_only(process: Process) -> None:
    """A worker process: the pollers and the inbox sweep, for deployments that run several web processes."""
    process.start()
    logger.info("worker.started pollers=%s", [p.name for p in process.runtime.pollers])
    try:
        _wait_for_signal()
    finally:
        process.stop()
        logger.info("server.stopped")


def serve_socket_mode(process: Process, app_token: str) -> None:
    """Socket Mode: Slack connects out over a websocket, so no public URL is needed.

    Events and state-changing clicks are stored in the inbox before their envelope is acknowledged, as
    over HTTP; everything else is dispatched by Bolt as usual."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.socket_mode.client import BaseSocketModeClient
    from slack_sdk.socket_mode.request import SocketModeRequest
    from slack_sdk.socket_mode.response import SocketModeResponse

    inbox = process.inbox

    class InboxSocketModeHandler(SocketModeHandler):
        def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
            incoming = classify_socket(req.type, req.payload)
            if incoming is None:
                return super().handle(client, req)  # type: ignore[arg-type]
            try:
                inbox.accept(incoming)
            except Exception:  # not stored, so not acknowledged: Slack retries the event
                logger.exception("inbox.store_failed kind=%s", incoming.kind)
                return None
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return None

    handler = InboxSocketModeHandler(process.runtime.app, app_token)
    process.start()
    try:
        handler.connect()  # raises when apps.connections.open refuses: the pollers must still stop
        logger.info("server.socket_mode_connected")
        _wait_for_signal()
    finally:
        handler.close()
        process.stop()
        logger.info("server.stopped")
