"""The in-process test server: requests in flight finish when it stops, and it closes its socket."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

import pytest
import requests

from slackbridge.testing.wsgi_server import TestServer


def slow_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    delay = float(environ.get("QUERY_STRING", "").partition("=")[2] or 0)
    time.sleep(delay)
    body = f"slept {delay}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def test_a_request_in_flight_gets_its_answer_and_then_the_port_is_closed() -> None:
    server = TestServer(slow_app).start()
    answers: list[requests.Response] = []
    in_flight = threading.Thread(
        target=lambda: answers.append(requests.get(f"{server.url}/?d=1.0", timeout=10))
    )
    in_flight.start()
    time.sleep(0.3)
    server.stop()
    in_flight.join(10)
    assert [(a.status_code, a.text) for a in answers] == [(200, "slept 1.0")]
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url, timeout=2)


def test_many_servers_started_and_stopped_in_turn_all_answer() -> None:
    for _ in range(10):
        with TestServer(slow_app) as server:
            assert requests.get(f"{server.url}/?d=0", timeout=5).status_code == 200
