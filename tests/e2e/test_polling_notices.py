"""One notice in the care channel when reading mentions from X stops for a reason a person must fix, one
when it works again; never repeated by another process or a new leader."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from slackbridge.app import build_services
from slackbridge.db import make_engine
from slackbridge.models import OpsNotice
from slackbridge.runtime import Runtime
from slackbridge.testing.fake_slack import message_text
from slackbridge.x.types import XError, XErrorKind
from tests.e2e.conftest import CHANNEL, Bridge

# X's problem shape for pay-per-use accounts whose credits ran out.
CREDITS_DEPLETED = {
    "title": "CreditsDepleted",
    "detail": "Your enrolled account does not have any credits to fulfill this request.",
    "type": "https://api.twitter.com/2/problems/credits",
}


def notices(bridge: Bridge) -> list[str]:
    return [t for m in bridge.cards(CHANNEL) if "Reading mentions from X" in (t := message_text(m))]


def failing_poll(bridge: Bridge, runtime: Runtime, status: int, body: dict[str, str] | None = None) -> XError:
    bridge.x.fail_next("/2/users/", status, body=body)
    with pytest.raises(XError) as raised:
        runtime.mentions_round()
    return raised.value


def test_out_of_credits_is_announced_once_and_so_is_the_recovery(bridge: Bridge) -> None:
    bridge.poll()  # the brand is known and polling works: nothing to say
    assert notices(bridge) == []

    error = failing_poll(bridge, bridge.runtime, 402, CREDITS_DEPLETED)
    assert error.kind == XErrorKind.PAYMENT
    failing_poll(bridge, bridge.runtime, 402, CREDITS_DEPLETED)
    [stopped] = notices(bridge)
    assert "has stopped" in stopped and "out of credits" in stopped and "Buy credits" in stopped

    # A new leader (another process) keeps failing: the store says it was told already.
    other = build_services(bridge.settings, engine=make_engine(str(bridge.services.deps.engine.url)))
    other_runtime = Runtime(app=bridge.runtime.app, services=other)
    failing_poll(bridge, other_runtime, 402, CREDITS_DEPLETED)
    assert len(notices(bridge)) == 1

    tweet_id = bridge.x.mention("jane", "@acme still there?")
    other_runtime.mentions_round()
    bridge.poll()
    assert len(notices(bridge)) == 2
    assert "works again" in notices(bridge)[1]
    bridge.card_for(tweet_id)  # the mention missed meanwhile is carded
    with Session(bridge.services.deps.engine) as session:
        assert session.exec(select(OpsNotice)).one().state == "up"


@pytest.mark.parametrize(
    ("status", "says"),
    [(401, "refused slackbridge's keys"), (403, "suspended")],
)
def test_bad_keys_and_a_suspended_app_are_announced(bridge: Bridge, status: int, says: str) -> None:
    bridge.poll()
    failing_poll(bridge, bridge.runtime, status)
    [stopped] = notices(bridge)
    assert says in stopped


def test_passing_trouble_is_not_announced(bridge: Bridge) -> None:
    bridge.poll()
    for status in (503, 429):
        failing_poll(bridge, bridge.runtime, status)
    bridge.poll()
    assert notices(bridge) == []
