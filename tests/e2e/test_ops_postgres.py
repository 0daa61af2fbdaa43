"""Notices claimed once and spend counted on PostgreSQL, where the claim's upsert is PostgreSQL's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from slackbridge.app import build_services
from slackbridge.db import make_engine, upgrade
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from slackbridge.x.types import XError
from tests.e2e.conftest import CHANNEL, Bridge, RunningBridge


@pytest.fixture
def pg_bridge(fakes: tuple[FakeSlack, FakeX], postgres_url: str) -> Iterator[Bridge]:
    engine = make_engine(postgres_url)
    upgrade(engine)
    engine.dispose()
    running = RunningBridge(*fakes, postgres_url, {"SLACKBRIDGE_MONTHLY_BUDGET": "0.001"})
    yield running.start()
    running.stop()


def test_notices_are_claimed_once_on_postgres(pg_bridge: Bridge) -> None:
    bridge = pg_bridge
    other = build_services(bridge.settings, engine=make_engine(str(bridge.services.deps.engine.url)))
    bridge.x.fail_next("/2/users/", 402, count=2)
    for _ in range(2):
        with pytest.raises(XError):
            bridge.poll()
    bridge.x.mention("jane", "@acme hi")
    bridge.poll()  # one owned read: the whole $0.001 budget
    assert other.spend.check_budget() is None  # the first process claimed it already
    assert other.spend.over_budget() and other.spend.report().month > 0
    texts = [message_text(m) for m in bridge.cards(CHANNEL)]
    assert sum("Reading mentions from X has stopped" in t for t in texts) == 1
    assert sum("Reading mentions from X works again" in t for t in texts) == 1
    assert sum("is spent" in t for t in texts) == 1 and not any("80 %" in t for t in texts)
