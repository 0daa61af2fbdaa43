"""The running service: the Slack endpoint on a production WSGI server, plus the pollers, in one process."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.server import create_server

from slackbridge.app import Services
from slackbridge.poller import Poller

logger = logging.getLogger(__name__)

COMPLIANCE_SECONDS = 15 * 60  # a tick: the service decides when a check is due (every 12 h)
SURFACE_SWEEP_SECONDS = 5  # Slack messages left behind by a crash or an outage are shown this soon
MAX_BODY = 1 << 20  # Slack payloads are small; refuse anything absurd before Bolt parses it

StartResponse = Callable[..., Any]


@dataclass
class Runtime:
    """The app, its services and its background loops, started and stopped together."""

    app: App
    services: Services
    pollers: list[Poller] = field(default_factory=list)

    def mentions_round(self) -> int:
        ingest = self.services.ingest
        self.services.approval.recover_stuck()
        try:
            return ingest.poll_mentions()
        finally:
            ingest.deliver_pending()  # earlier stored posts go out even when X is failing now

    def listen_round(self) -> int:
        try:
            return self.services.listening.poll()
        finally:
            self.services.ingest.deliver_pending()

    def add_default_pollers(self) -> None:
        settings = self.services.deps.settings
        self.pollers.append(Poller("mentions", self.mentions_round, settings.poll_seconds))
        if settings.listen_channel:
            self.pollers.append(Poller("listen", self.listen_round, settings.listen_seconds))
        # Deleted posts must be gone within 24 hours: the service checks every 12 h (room for an X outage);
        # the poller ticks more often to follow a batch compliance job until X has finished it.
        self.pollers.append(Poller("compliance", self.services.compliance.sweep, COMPLIANCE_SECONDS))
        self.pollers.append(Poller("surfaces", self.services.surfaces.sweep, SURFACE_SWEEP_SECONDS))

    def start_pollers(self) -> None:
        for poller in self.pollers:
            poller.start()

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()

    def health(self) -> tuple[bool, dict[str, Any]]:
        report: dict[str, Any] = {"pollers": {}}
        try:
            with self.services.deps.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            report["database"] = "ok"
        except Exception as exc:
            report["database"] = f"unreachable ({type(exc).__name__})"
        for poller in self.pollers:
            status = poller.status
            report["pollers"][poller.name] = {
                "last_success": status.last_success.isoformat() if status.last_success else None,
                "last_error": status.last_error,
                "consecutive_failures": status.failures,
            }
        return report["database"] == "ok", report


def make_wsgi(runtime: Runtime) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """POST /slack/events for everything Slack sends; GET /healthz for the platform."""
    handler = SlackRequestHandler(runtime.app)

    def reply(start_response: StartResponse, status: str, payload: dict[str, Any]) -> list[bytes]:
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/slack/events":
            if method != "POST":
                return reply(start_response, "405 Method Not Allowed", {"error": "use POST"})
            try:
                return handler(environ, start_response)
            except (ValueError, UnicodeDecodeError, TypeError, KeyError, AttributeError):
                # Bolt parses the body (and matches listeners on it) before some checks: a broken payload
                # must get a clear 400, not a stack trace and a 500.
                logger.warning(
                    "slack.malformed_request length=%s", environ.get("CONTENT_LENGTH"), exc_info=True
                )
                return reply(start_response, "400 Bad Request", {"error": "malformed Slack request body"})
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok, report = runtime.health()
            return reply(start_response, "200 OK" if ok else "503 Service Unavailable", {"ok": ok, **report})
        return reply(start_response, "404 Not Found", {"error": "not found"})

    return wsgi


class HttpServer:
    """waitress, driven by our own loop so that stopping never touches its sockets from another thread.

    waitress closes its sockets and its wake-up pipe only safely on the loop's own thread; closing them from
    a signal handler or a test thread races the loop and can close a descriptor another object reuses.
    Here the loop itself notices the stop request, stops accepting, lets in-flight requests finish (it keeps
    writing their answers meanwhile), then closes everything.
    """

    TICK = 0.2  # how often the loop looks at the stop flag; the pipe still wakes it for every answer

    def __init__(
        self,
        wsgi: Callable[[dict[str, Any], StartResponse], Iterable[bytes]],
        *,
        host: str,
        port: int,
        threads: int = 8,
    ) -> None:
        self._server: Any = create_server(
            wsgi, host=host, port=port, threads=threads, max_request_body_size=MAX_BODY, ident="slackbridge"
        )
        self._stop_requested = threading.Event()
        self._stopped = threading.Event()
        self._closing = threading.RLock()  # re-entrant: a signal handler may run while serve() holds it
        self._closed = False
        self.grace = 10.0

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    def serve(self) -> None:
        """Serve until `request_stop`, then drain and close; returns once every socket is closed."""
        sockets = self._server._map
        try:
            while sockets and not self._stop_requested.is_set():
                wasyncore.loop(timeout=self.TICK, map=sockets, count=1)
            self._drain(sockets)
        finally:
            with self._closing:
                self._closed = True
                wasyncore.close_all(sockets)
            self._stopped.set()

    def _drain(self, sockets: dict[int, Any]) -> None:
        self._server.accepting = False  # new connections wait in the backlog and are reset on close
        workers = self._server.task_dispatcher
        workers.set_thread_count(0)  # idle workers leave now, busy ones after their request
        deadline = time.monotonic() + self.grace
        while sockets and workers.threads and time.monotonic() < deadline:
            wasyncore.loop(timeout=0.02, map=sockets, count=1)
        if workers.threads:
            logger.warning("server.stop_grace_exceeded busy_workers=%s", len(workers.threads))
        # Flush what the last requests wrote, briefly: a client that stopped reading must not hold us.
        flush_until = time.monotonic() + 1.0
        while time.monotonic() < flush_until and any(
            channel.writable() for channel in list(sockets.values()) if channel is not self._server
        ):
            wasyncore.loop(timeout=0.05, map=sockets, count=1)

    def request_stop(self) -> None:
        """Safe from any thread, and from a signal handler on the serving thread."""
        self._stop_requested.set()
        with self._closing:  # wake the loop now rather than at its next tick, unless it has closed the pipe
            trigger = self._server.trigger
            if not self._closed and not trigger._closed:
                trigger.pull_trigger()

    def stop(self, timeout: float | None = None) -> bool:
        """From another thread: request the stop and wait until the server has closed its sockets."""
        self.request_stop()
        return self._stopped.wait(self.grace + 5 if timeout is None else timeout)


def serve_http(runtime: Runtime, *, host: str, port: int, threads: int = 8) -> None:
    """Serve until SIGTERM or Ctrl-C, then stop the pollers and let in-flight requests finish."""
    server = HttpServer(make_wsgi(runtime), host=host, port=port, threads=threads)

    def stop(signum: int, _frame: Any) -> None:
        logger.info("server.stopping signal=%s", signal.Signals(signum).name)
        server.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runtime.start_pollers()
    logger.info("server.listening host=%s port=%s", host, server.port)
    try:
        server.serve()
    finally:
        runtime.stop()
        logger.info("server.stopped")


def _wait_for_signal() -> None:
    stopping = threading.Event()

    def stop(_signum: int, _frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    stopping.wait()


def serve_pollers_only(runtime: Runtime) -> None:
    """A worker process: the pollers alone, for deployments that run several web processes."""
    runtime.start_pollers()
    logger.info("worker.started pollers=%s", [p.name for p in runtime.pollers])
    try:
        _wait_for_signal()
    finally:
        runtime.stop()
        logger.info("server.stopped")


def serve_socket_mode(runtime: Runtime, app_token: str) -> None:
    """Socket Mode: Slack connects out over a websocket, so no public URL is needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(runtime.app, app_token)
    runtime.start_pollers()
    try:
        handler.connect()  # raises when apps.connections.open refuses: the pollers must still stop
        logger.info("server.socket_mode_connected")
        _wait_for_signal()
    finally:
        handler.close()
        runtime.stop()
        logger.info("server.stopped")
