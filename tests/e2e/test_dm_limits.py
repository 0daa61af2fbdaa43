"""X's limits on DMs: 15 reads per 15 minutes never exceeded, 429 honoured, and a public DM channel
refused at start-up."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, col, func, select

from slackbridge.config import load_settings
from slackbridge.models import Tweet, TweetSource
from slackbridge.startup import StartupError, verify
from slackbridge.testing.fake_slack import FakeSlack
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import Bridge, bridge_env
from tests.e2e.dm_helpers import DM_CHANNEL, DM_ENV, Clock, allow_dms

WINDOW = 15 * 60


@pytest.fixture
def env_extra(fakes: tuple[FakeSlack, FakeX]) -> dict[str, str]:
    allow_dms(*fakes)
    return dict(DM_ENV)


def _dm_reads(bridge: Bridge) -> int:
    return sum(1 for r in bridge.x.requests if r.path == "/2/dm_events")


def _stored_dms(bridge: Bridge) -> int:
    with Session(bridge.services.deps.engine) as session:
        return session.exec(
            select(func.count()).select_from(Tweet).where(col(Tweet.source) == TweetSource.DM)
        ).one()


def test_an_hour_of_polling_never_exceeds_15_reads_in_any_15_minutes(bridge: Bridge) -> None:
    clock = Clock(datetime(2026, 11, 29, 9, 0, 7, tzinfo=UTC))
    bridge.x.clock = clock
    for n in range(30):
        bridge.x.send_dm(f"customer{n % 3}", f"message {n}")
    bridge.services.dms.poll(now=clock())  # the first run: one page, the newest 100
    sent = 30
    times: list[float] = []
    for step in range(120):  # an hour in 30-second ticks, faster than the 60 s setting ever polls
        clock.advance(30)
        burst = 150 if step == 10 else 2 if step % 4 == 0 else 0  # a burst makes the poller page back
        for _ in range(burst):
            bridge.x.send_dm(f"customer{sent % 3}", f"message {sent}")
            sent += 1
        before = _dm_reads(bridge)
        bridge.services.dms.poll(now=clock())
        if _dm_reads(bridge) > before:
            times.append(clock().timestamp())
    for start in times:
        assert sum(1 for t in times if start <= t < start + WINDOW) <= 15
    assert len(times) >= 55  # and it did poll about once a minute
    assert _stored_dms(bridge) == sent  # nothing lost


def test_a_429_waits_until_x_reset_time(bridge: Bridge) -> None:
    clock = Clock(datetime(2026, 11, 29, 9, 0, 0, tzinfo=UTC))
    bridge.x.clock = clock
    reset = int(clock().timestamp()) + 600
    bridge.x.fail_next("/2/dm_events", 429, headers={"x-rate-limit-reset": str(reset)})
    bridge.x.send_dm("jane", "hello")
    assert bridge.services.dms.poll(now=clock()) == 0
    for _ in range(9):
        clock.advance(61)
        bridge.services.dms.poll(now=clock())
    assert _dm_reads(bridge) == 1
    clock.advance(120)
    assert bridge.services.dms.poll(now=clock()) == 1


def test_a_public_dm_channel_stops_start_up_with_one_line(
    fakes: tuple[FakeSlack, FakeX], db_url: str
) -> None:
    slack, x = fakes
    slack.add_channel("C0PUBLICDM", "dm-care-public")
    settings = load_settings(bridge_env(slack, x, db_url, SLACKBRIDGE_DM_CHANNEL="C0PUBLICDM"))
    with pytest.raises(StartupError) as raised:
        verify(settings, argparse.Namespace(poller_only=True))
    message = str(raised.value)
    assert "\n" not in message
    assert "SLACKBRIDGE_DM_CHANNEL C0PUBLICDM is a public channel" in message


def test_a_private_dm_channel_passes_start_up(fakes: tuple[FakeSlack, FakeX], db_url: str) -> None:
    slack, x = fakes
    allow_dms(slack, x)
    settings = load_settings(bridge_env(slack, x, db_url, SLACKBRIDGE_DM_CHANNEL=DM_CHANNEL))
    verify(settings, argparse.Namespace(poller_only=True))


def test_dm_poll_interval_below_60_seconds_is_refused(fakes: tuple[FakeSlack, FakeX], db_url: str) -> None:
    from slackbridge.config import ConfigError

    slack, x = fakes
    env = bridge_env(slack, x, db_url, SLACKBRIDGE_DM_CHANNEL=DM_CHANNEL, SLACKBRIDGE_DM_POLL_SECONDS="30")
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert "SLACKBRIDGE_DM_POLL_SECONDS must be between 60" in str(raised.value)


def test_a_token_without_dm_permission_stops_start_up_with_one_line(
    fakes: tuple[FakeSlack, FakeX], db_url: str
) -> None:
    slack, x = fakes
    allow_dms(slack, x)
    x.access_level = "read-write"  # created before the app was given Direct Messages permission
    settings = load_settings(bridge_env(slack, x, db_url, SLACKBRIDGE_DM_CHANNEL=DM_CHANNEL))
    with pytest.raises(StartupError) as raised:
        verify(settings, argparse.Namespace(poller_only=True))
    message = str(raised.value)
    assert "\n" not in message and "regenerate the Access Token and Secret" in message
    assert "'Read, write and Direct Messages'" in message
