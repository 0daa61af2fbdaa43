"""X spend in dollars and the monthly budget: a warning at 80 %, listening paused at 100 %, replies go on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from slackbridge.app import build_services
from slackbridge.db import make_engine
from slackbridge.models import Draft, DraftStatus, utcnow
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, wait_for
from tests.e2e.test_tweetcare import ask

LISTEN = "C0LISTEN"


@pytest.fixture
def env_extra() -> dict[str, str]:
    return {
        "SLACKBRIDGE_LISTEN_CHANNEL": LISTEN,
        "SLACKBRIDGE_MONTHLY_BUDGET": "0.02",
        "SLACKBRIDGE_OVER_BUDGET_POLL_SECONDS": "600",
        "SLACKBRIDGE_POLL_SECONDS": "30",
    }


def notices(bridge: Bridge) -> list[str]:
    return [message_text(m) for m in bridge.cards(CHANNEL) if "budget" in message_text(m)]


def reply_and_send(bridge: Bridge, tweet_id: str, text: str) -> None:
    card = bridge.card_for(tweet_id)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, f"reply: {text}")
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft message")
    bridge.click(MANAGER, draft_msg, "draft_approve")

    def sent() -> bool:
        with Session(bridge.services.deps.engine) as session:
            return any(
                d.status == DraftStatus.SENT and d.text == text for d in session.exec(select(Draft)).all()
            )

    wait_for(sent, what="reply posted")


def test_budget_warns_once_at_80_percent_then_pauses_listening_but_not_replies(bridge: Bridge) -> None:
    ask(bridge, MANAGER, 'listen add "blender"')
    for n in range(3):
        bridge.x.add_tweet(f"fan{n}", f"my blender {n} is loud")
    assert bridge.runtime.listen_round() == 3  # 3 post reads at $0.005: 75 % of $0.02
    bridge.poll()
    assert notices(bridge) == []

    first = bridge.x.mention("jane", "@acme where is my order?")
    bridge.poll()  # one owned read at $0.001: 80 %
    bridge.poll()
    [warning] = notices(bridge)
    assert (
        "80 % of the X budget" in warning and f"<@{MANAGER}>" in warning and "<!subteam^S0LEADS>" in warning
    )
    assert "$0.016 this month" in warning
    assert bridge.services.spend.mention_interval() == 30

    reply_and_send(bridge, first, "Sorry! We are on it.")  # a reply to a mention: $0.010, now over
    bridge.poll()
    bridge.poll()
    assert len(notices(bridge)) == 2
    spent = notices(bridge)[1]
    assert "budget for" in spent and "is spent" in spent and "every 10 minutes" in spent
    assert "Replies and DMs carry on" in spent

    # Listening stops reading X; mention polling slows down; replies still go out.
    bridge.x.add_tweet("fan9", "another blender story")
    bridge.x.clear_requests()
    assert bridge.runtime.listen_round() == 0
    assert not [r for r in bridge.x.requests if "search" in r.path]
    assert bridge.services.spend.mention_interval() == 600
    second = bridge.x.mention("joe", "@acme refund please")
    bridge.poll()
    reply_and_send(bridge, second, "Refund sent.")
    assert [p["text"] for p in bridge.x.posted()] == ["Sorry! We are on it.", "Refund sent."]

    # Another process on the same store never repeats a notice.
    other = build_services(bridge.settings, engine=make_engine(str(bridge.services.deps.engine.url)))
    assert other.spend.check_budget() is None
    assert len(notices(bridge)) == 2

    # A new month starts from zero.
    next_month = (utcnow().replace(day=1) + timedelta(days=32)).replace(day=1)
    assert other.spend.over_budget(now=next_month) is False
    assert other.spend.check_budget(now=next_month) is None


def test_stats_show_todays_and_this_months_spend(bridge: Bridge) -> None:
    bridge.x.mention("jane", "@acme hello")
    bridge.poll()
    shown = message_text(ask(bridge, AGENT, "stats"))
    assert "Estimated X spend: $0.001 today, $0.001 this month (5% of the $0.02 monthly budget)." in shown

    bridge.driver.app_home_opened(AGENT)
    wait_for(
        lambda: (
            "Estimated X spend: $0.001 today, $0.001 this month"
            in message_text(bridge.slack.home_view(AGENT) or {})
        ),
        what="spend on the Home tab",
    )
