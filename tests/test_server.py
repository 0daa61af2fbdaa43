"""Stopping the HTTP server: in-flight requests finish, idle connections do not hold it, nothing leaks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
import requests

from slackbridge.server import HttpServer


def slow_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    delay = float(environ.get("QUERY_STRING", "").partition("=")[2] or 0)
    time.sleep(delay)
    body = f"slept {delay}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@contextmanager
def running(grace: float = 10.0) -> Iterator[tuple[HttpServer, threading.Thread, str]]:
    server = HttpServer(slow_app, host="127.0.0.1", port=0, threads=4)
    server.grace = grace
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield server, thread, f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def test_a_request_in_flight_gets_its_answer_and_new_ones_are_refused() -> None:
    with running() as (server, thread, url):
        answers: list[requests.Response] = []
        in_flight = threading.Thread(target=lambda: answers.append(requests.get(f"{url}/?d=1.0", timeout=10)))
        in_flight.start()
        time.sleep(0.3)  # the request is being served
        assert server.stop()
        in_flight.join(10)
        assert [(a.status_code, a.text) for a in answers] == [(200, "slept 1.0")]
        assert not thread.is_alive()
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=2)


def test_idle_keep_alive_connections_do_not_hold_the_stop() -> None:
    with running() as (server, thread, url):
        session = requests.Session()
        assert session.get(url, timeout=5).text == "slept 0.0"  # the connection stays open, idle
        assert server.stop(timeout=5)
        thread.join(5)
        assert not thread.is_alive()
        with pytest.raises(requests.ConnectionError):
            session.get(url, timeout=2)


def test_a_request_longer_than_the_grace_does_not_keep_the_server_up() -> None:
    with running(grace=0.5) as (server, thread, url):
        threading.Thread(target=lambda: _get_quietly(f"{url}/?d=3"), daemon=True).start()
        time.sleep(0.3)
        assert server.stop(timeout=5)
        assert not thread.is_alive()


def test_a_stop_requested_on_the_serving_thread_returns_from_serve() -> None:
    # A signal handler runs on the thread that serves: it may only ask, not wait.
    server = HttpServer(slow_app, host="127.0.0.1", port=0)
    threading.Timer(0.3, server.request_stop).start()
    server.serve()  # returns: the loop saw the request and closed its sockets
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{server.port}", timeout=2)


def test_many_servers_started_and_stopped_in_turn_all_answer() -> None:
    # Each server owns a wake-up pipe and sockets; closing them on the wrong thread used to let a later
    # server's descriptor be closed under it. Cycle through many with live connections left open.
    sessions = []
    for _ in range(25):
        with running() as (server, _thread, url):
            session = requests.Session()
            sessions.append(session)
            assert session.get(f"{url}/?d=0", timeout=5).status_code == 200
            assert server.stop(timeout=5)


def _get_quietly(url: str) -> None:
    with suppress(requests.RequestException):
        requests.get(url, timeout=10)
