"""Shared set-up for the direct-message tests: a private DM channel and a token with DM permission."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import AGENT, CHANNEL, LEAD, MANAGER, Bridge

DM_CHANNEL = "G0DMCARE"
DM_ENV = {"SLACKBRIDGE_DM_CHANNEL": DM_CHANNEL}


def allow_dms(slack: FakeSlack, x: FakeX) -> None:
    slack.add_channel(DM_CHANNEL, "dm-care", private=True)
    slack.set_channel_members(DM_CHANNEL, [AGENT, MANAGER, LEAD])
    x.access_level = "read-write-directmessages"


class Clock:
    """A clock the test moves: shared by the fake X (its rate windows) and our pollers."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def poll_dms(bridge: Bridge, now: datetime | None = None) -> int:
    stored = bridge.services.dms.poll(now=now)
    bridge.services.ingest.deliver_pending()
    bridge.services.surfaces.sweep()
    return stored


def public_text(slack: FakeSlack) -> str:
    """Everything shown in the public care channel, threads included."""
    parts = []
    for message in slack.messages(CHANNEL):
        parts.append(message_text(message))
        parts += [message_text(m) for m in slack.thread(CHANNEL, message["ts"])]
    return "\n".join(parts)


def dm_cards(slack: FakeSlack) -> list[dict[str, Any]]:
    return slack.messages(DM_CHANNEL)
