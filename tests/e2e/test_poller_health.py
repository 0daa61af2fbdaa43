"""What /healthz says about the pollers: who leads, X's rate limits (capped at X's window), broken keys."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from slackbridge.models import utcnow
from slackbridge.poller import RATE_LIMIT_CAP
from tests.e2e.conftest import Bridge, wait_for


@pytest.fixture
def running(bridge: Bridge) -> Iterator[Bridge]:
    bridge.runtime.add_default_pollers()
    bridge.runtime.add_default_loops()
    bridge.runtime.start_pollers()
    yield bridge
    bridge.runtime.stop()


def healthz(bridge: Bridge) -> tuple[int, dict[str, object]]:
    answer = requests.get(f"{bridge.url}/healthz", timeout=5)
    return answer.status_code, answer.json()


def test_a_rate_limit_reset_a_day_ahead_waits_15_minutes_and_health_shows_it(
    bridge: Bridge, caplog: pytest.LogCaptureFixture
) -> None:
    bridge.runtime.add_default_pollers()
    mentions = bridge.runtime.pollers[0]
    tomorrow = int(time.time()) + 24 * 3600
    bridge.x.fail_next("/2/users/", 429, headers={"x-rate-limit-reset": str(tomorrow)})
    with caplog.at_level(logging.WARNING):
        wait = mentions.run_once()

    assert wait <= RATE_LIMIT_CAP  # X's window, not a day
    far = [r.getMessage() for r in caplog.records if "rate_limit_reset_far" in r.getMessage()]
    assert far and datetime.fromtimestamp(tomorrow, UTC).date().isoformat() in far[0]  # the odd date
    report = bridge.runtime.health()[1]["pollers"]["mentions"]
    until = datetime.fromisoformat(report["rate_limited_until"])
    assert utcnow() < until <= utcnow() + timedelta(seconds=RATE_LIMIT_CAP + 5)
    assert report["last_error"].startswith("rate_limited")


def test_health_names_the_pollers_this_process_leads(running: Bridge) -> None:
    wait_for(lambda: "mentions" in running.runtime.leads(), what="leading mentions")
    wait_for(lambda: running.runtime.pollers[0].status.last_success, what="a round")
    status, body = healthz(running)
    assert status == 200 and body["ok"] is True
    assert body["pollers"]["mentions"]["role"] == "leader"  # type: ignore[index]
    assert "delivery" in body["loops"]  # type: ignore[operator]


def test_health_is_503_when_x_refuses_the_keys_of_a_poller_this_process_leads(running: Bridge) -> None:
    running.x.fail_next("/2/users/", 401, count=50)
    wait_for(lambda: healthz(running)[0] == 503, what="health turning 503")
    status, body = healthz(running)
    assert status == 503 and body["ok"] is False
    assert any("mentions: X refused the credentials" in p for p in body["problems"])  # type: ignore[attr-defined]
