"""/tweetcare over the real endpoint: every subcommand with good and bad input, answered only to the asker."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from slackbridge.models import AuditAction, AuditLog, Case, CustomerNote, Draft, DraftStatus, XUsage
from slackbridge.testing.fake_slack import find_button, message_text
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, OUTSIDER, Bridge, wait_for


def ask(bridge: Bridge, user: str, text: str, channel: str = CHANNEL) -> dict[str, Any]:
    """Run the command and return what the asker sees (the response_url answer)."""
    result = bridge.driver.command(user, "/tweetcare", text, channel=channel)
    assert result.status == 200 and result.elapsed < 3, "ack within Slack's 3 seconds"
    [response] = wait_for(lambda: bridge.slack.responses(result.response_name), what=f"answer to {text!r}")
    assert response.body.get("response_type") == "ephemeral"
    return response.body


def seen(answer: dict[str, Any]) -> str:
    return message_text(answer)


def _draft(bridge: Bridge, card: dict[str, Any], text: str) -> dict[str, Any]:
    before = len(bridge.drafts_in(card))
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, f"reply: {text}")
    return wait_for(lambda: bridge.drafts_in(card)[before:], what="draft")[0]


def _sent_case(bridge: Bridge, user: str, text: str, reply: str) -> tuple[str, dict[str, Any]]:
    tweet_id = bridge.x.mention(user, text)
    bridge.poll()
    card = bridge.card_for(tweet_id)
    draft_msg = _draft(bridge, card, reply)
    bridge.click(MANAGER, draft_msg, "draft_approve")
    wait_for(lambda: "Sent on X" in message_text(bridge.current(draft_msg)), what="sent")
    return tweet_id, card


def test_help_lists_every_subcommand_with_an_example(bridge: Bridge) -> None:
    text = seen(ask(bridge, AGENT, "help"))
    for sub in (
        "user @",
        "note @",
        "tweet ",
        "track ",
        "search ",
        "queue",
        "pending",
        "stats",
        "listen add",
        "listen list",
        "listen remove",
    ):
        assert sub in text
    assert text.count("e.g.") >= 12


@pytest.mark.parametrize(
    "text",
    [
        "",
        "frobnicate",
        "user",
        "user not a handle!",
        "note",
        "tweet",
        "tweet nope",
        "track https://example.com/1",
        "search",
        "search !!!",
        "stats 999d",
        "listen",
        "listen remove x",
        "listen dance",
    ],
)
def test_bad_input_gets_a_friendly_usage_message(bridge: Bridge, text: str) -> None:
    answer = seen(ask(bridge, AGENT, text))
    assert "/tweetcare" in answer or "help" in answer
    assert "Traceback" not in answer and "went wrong" not in answer


def test_user_shows_profile_history_newest_first_with_reply_links_and_notes(bridge: Bridge) -> None:
    bridge.x.add_user("jane_doe", "Jane Doe", followers=4321)
    first, first_card = _sent_case(bridge, "jane_doe", "@acme my parcel is late", "Sorry Jane, checking now!")
    second = bridge.x.mention("jane_doe", "@acme now the app crashes")
    bridge.poll()
    assert "Note added" in seen(ask(bridge, AGENT, "note @Jane_Doe prefers DMs, VIP <!channel>"))

    text = seen(ask(bridge, AGENT, "user @JANE_DOE"))
    assert "Jane Doe" in text and "4,321 followers" in text and "2 cases" in text
    assert text.index("now the app crashes") < text.index("my parcel is late"), "newest first"
    assert "We replied: Sorry Jane, checking now!" in text
    assert f"https://fake.slack.test/archives/{CHANNEL}/p{first_card['ts'].replace('.', '')}" in text
    assert "prefers DMs, VIP &lt;!channel&gt;" in text and "<!channel>" not in text
    assert second and first

    assert "No customer @nobody" in seen(ask(bridge, AGENT, "user @nobody"))


def test_note_shows_on_the_customers_cards_and_is_audited(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("sam", "@acme hello")
    bridge.poll()
    ask(bridge, AGENT, "note @sam called twice about billing")
    wait_for(
        lambda: "called twice about billing" in message_text(bridge.card_for(tweet_id)), what="note on card"
    )
    with Session(bridge.services.deps.engine) as session:
        assert session.exec(select(CustomerNote)).one().author_id == AGENT
        assert (
            session.exec(select(AuditLog).where(AuditLog.action == AuditAction.NOTE_ADDED)).one().actor
            == AGENT
        )
    assert "No customer @ghost" in seen(ask(bridge, AGENT, "note @ghost hi"))
    assert "Write the note" in seen(ask(bridge, AGENT, "note @sam"))


def test_tweet_shows_the_case_or_offers_to_track_an_unknown_post(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("kim", "@acme is the shop open?")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    text = seen(ask(bridge, AGENT, f"tweet https://x.com/kim/status/{tweet_id}"))
    assert "Open: waiting on us" in text and f"p{card['ts'].replace('.', '')}" in text

    other = bridge.x.add_tweet("lou", "acme is great but slow")  # no mention: never polled
    answer = ask(bridge, AGENT, f"tweet {other}")
    assert "no case" in seen(answer)
    button = find_button(answer, "case_track")
    click = bridge.driver.click(
        AGENT,
        "case_track",
        button["value"],
        channel=CHANNEL,
        message_ts="1.000001",
        message={"type": "message", "ts": "1.000001", "text": "", "blocks": answer["blocks"]},
    )
    [notice] = wait_for(lambda: bridge.slack.responses(click.response_name), what="notice")
    assert "Tracking the post as case #" in notice.body["text"]
    assert any(other in message_text(m) for m in bridge.cards())


def test_track_fetches_from_x_counts_the_read_and_opens_a_case(bridge: Bridge) -> None:
    other = bridge.x.add_tweet("lou", "the acme blender broke after a week")
    reads = bridge.x.reads
    text = seen(ask(bridge, AGENT, f"track https://twitter.com/lou/status/{other}"))
    assert "Tracking the post as case #" in text
    card = bridge.card_for(other)
    assert find_button(card, "case_write_reply"), "a tracked case is worked like a mention"
    assert bridge.x.reads == reads + 1
    with Session(bridge.services.deps.engine) as session:
        usage = session.get(XUsage, (_today(), "lookup"))
        assert usage is not None and usage.reads == 1
        assert session.exec(select(Case)).one().source == "tracked"
    assert "already tracked" in seen(ask(bridge, AGENT, f"track {other}"))
    assert "X has no post" in seen(ask(bridge, AGENT, "track 999999999999"))
    own = bridge.x.add_tweet("acme", "Our summer sale starts today")
    assert "own posts" in seen(ask(bridge, AGENT, f"track {own}"))


def _today() -> str:
    from slackbridge.models import utcnow

    return utcnow().strftime("%Y-%m-%d")


def test_search_finds_posts_drafts_and_replies_best_first_and_treats_input_as_data(bridge: Bridge) -> None:
    _sent_case(
        bridge, "ann", "@acme refund for my broken blender please", "Your blender refund is on its way, Ann"
    )
    bridge.x.mention("ben", "@acme blender question: which colours?")
    bridge.poll()
    hello = bridge.x.mention("cat", "@acme hello")
    bridge.poll()
    card = bridge.card_for(hello)
    _draft(bridge, card, "We can refund the blender today")

    text = seen(ask(bridge, AGENT, "search refund blender"))
    assert "broken blender" in text and "Our reply" in text and "Draft (pending)" in text
    assert "which colours" not in text, "every word must match"
    assert "Nothing found" in seen(ask(bridge, AGENT, 'search "unicorn" OR NEAR( -x*'))
    assert "which colours" in seen(ask(bridge, AGENT, "search BLENDER colours"))


def test_queue_lists_open_cases_oldest_first_with_age_and_assignee(bridge: Bridge) -> None:
    assert "Nothing is waiting" in seen(ask(bridge, AGENT, "queue"))
    a = bridge.x.mention("early", "@acme first question")
    bridge.x.mention("late", "@acme second question")
    bridge.poll()
    bridge.click(AGENT, bridge.card_for(a), "case_assign")
    wait_for(lambda: "assigned to" in message_text(bridge.card_for(a)), what="assigned")
    text = seen(ask(bridge, OUTSIDER, "queue"))
    assert "2 cases waiting on us" in text
    assert text.index("first question") < text.index("second question")
    assert f"on it: <@{AGENT}>" in text and "unassigned" in text and "waiting 0m" in text


def test_pending_shows_approve_buttons_only_to_approvers_and_they_work(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("dee", "@acme where is my order")
    bridge.poll()
    _draft(bridge, bridge.card_for(tweet_id), "On its way, Dee!")

    agent_view = ask(bridge, AGENT, "pending")
    assert "1 draft waiting for approval" in seen(agent_view) and "Only approvers" in seen(agent_view)
    with pytest.raises(LookupError):
        find_button(agent_view, "draft_approve")

    manager_view = ask(bridge, MANAGER, "pending")
    button = find_button(manager_view, "draft_approve")
    assert button.get("confirm")
    bridge.driver.click(
        MANAGER,
        "draft_approve",
        button["value"],
        channel=CHANNEL,
        message_ts="1.000002",
        message={"type": "message", "ts": "1.000002", "text": "", "blocks": manager_view["blocks"]},
    )

    def sent() -> bool:
        with Session(bridge.services.deps.engine) as session:
            return session.exec(select(Draft)).one().status == DraftStatus.SENT

    wait_for(sent, what="sent through the existing approval handler")
    assert [p["text"] for p in bridge.x.posted()] == ["On its way, Dee!"]
    assert "No drafts are waiting" in seen(ask(bridge, MANAGER, "pending"))


def test_stats_reports_volume_times_agents_and_reads_and_posts_a_chart(bridge: Bridge) -> None:
    _sent_case(bridge, "eve", "@acme my card was charged twice", "Refunding now, Eve")
    text = seen(ask(bridge, AGENT, "stats"))
    assert "Last 7 days" in text and "1 new cases" in text
    assert "First response*: median" in text and "Approval turnaround*: median" in text
    assert f"<@{AGENT}> 1" in text
    assert "posts read on X today" in text and "of 500" in text

    assert bridge.slack.files == []
    text = seen(ask(bridge, MANAGER, "stats 30d chart"))
    assert "Last 30 days" in text and "chart is posted" in text
    [chart] = bridge.slack.files
    assert chart.content.startswith(b"\x89PNG\r\n\x1a\n") and chart.title == "X care, last 30 days"
    assert chart.channel_id == CHANNEL


def test_no_listening_poller_without_a_listening_channel(bridge: Bridge) -> None:
    bridge.runtime.add_default_pollers()
    assert [p.name for p in bridge.runtime.pollers] == ["mentions", "compliance", "reminders"]
