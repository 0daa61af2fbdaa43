"""Triage of new mentions (rules, model, built-in), routing to channels, spam, urgency, re-categorising."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from slackbridge.models import AuditAction, AuditLog, Case, CaseStatus, Draft, Tweet
from slackbridge.testing.fake_openai import FakeOpenAI
from slackbridge.testing.fake_slack import message_text
from tests.e2e.conftest import AGENT, CHANNEL, Bridge, RunningBridge, wait_for

ESCALATIONS, SALES = "C0ESCAL", "C0SALES"
RULES = """
rules:
  - name: product safety
    keywords: [caught fire]
    category: complaint
    urgency: high
    channel: C0ESCAL
  - name: wholesale
    keywords: [wholesale]
    category: lead
  - name: crypto spam
    keywords: [airdrop]
    category: spam
"""


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key="sk-e2e-triage") as fake:
        yield fake


@pytest.fixture
def env_extra(tmp_path: Path) -> dict[str, str]:
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES)
    return {
        "SLACKBRIDGE_TRIAGE_RULES": str(rules),
        "SLACKBRIDGE_CATEGORY_CHANNELS": f"lead={SALES}",
        "SLACKBRIDGE_URGENT_GROUP": "S0URGENT",
        "SLACKBRIDGE_AUTO_RESOLVE_SPAM": "true",
    }


def _with_model(service: RunningBridge, fake: FakeOpenAI) -> Bridge:
    service.env_extra.update(OPENAI_API_KEY=fake.api_key, OPENAI_BASE_URL=fake.base_url, OPENAI_TIMEOUT="5")
    return service.start()


def _case(bridge: Bridge, tweet_id: str) -> Case:
    with Session(bridge.services.deps.engine) as session:
        tweet = session.get(Tweet, tweet_id)
        assert tweet is not None and tweet.case_id is not None
        case = session.get(Case, tweet.case_id)
        assert case is not None
        return case


def test_rule_decides_category_urgency_and_channel_and_pings_the_urgent_group(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("jane", "@acme my charger caught fire last night!")
    bridge.poll()
    card = bridge.card_for(tweet_id, channel=ESCALATIONS)
    text = message_text(card)
    assert "<!subteam^S0URGENT>" in text and "High urgency" in text
    assert "Complaint" in text
    case = _case(bridge, tweet_id)
    assert (case.category, case.urgency, case.triage_stage) == ("complaint", "high", "rules")
    assert "product safety" in (case.triage_reason or "") and case.channel_id == ESCALATIONS
    assert bridge.cards(CHANNEL) == []


def test_category_channel_routes_and_other_categories_use_the_main_channel(bridge: Bridge) -> None:
    lead = bridge.x.mention("bob", "@acme do you sell wholesale to shops?")
    question = bridge.x.mention("sam", "@acme is the store open on Sunday?")
    bridge.poll()
    assert bridge.card_for(lead, channel=SALES)
    assert bridge.card_for(question, channel=CHANNEL)
    assert "<!subteam^" not in message_text(bridge.card_for(question))


def test_spam_is_stored_and_searchable_but_never_carded(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("promo", "@acme free airdrop for everyone, claim now")
    bridge.poll()
    case = _case(bridge, tweet_id)
    assert case.category == "spam" and case.status == CaseStatus.RESOLVED and case.thread_ts is None
    for channel in (CHANNEL, SALES, ESCALATIONS):
        assert bridge.cards(channel) == []
    hits = bridge.services.search.search("airdrop")
    assert [h.tweet_id for h in hits] == [tweet_id]


def test_the_model_classifies_when_no_rule_matches(service: RunningBridge, openai_fake: FakeOpenAI) -> None:
    bridge = _with_model(service, openai_fake)
    openai_fake.reply_with(
        json.dumps({"category": "praise", "sentiment": "positive", "urgency": "normal", "reason": "loves us"})
    )
    tweet_id = bridge.x.mention("jane", "@acme you people are something else")
    bridge.poll()
    case = _case(bridge, tweet_id)
    assert (case.category, case.sentiment, case.triage_stage, case.triage_reason) == (
        "praise",
        "positive",
        "model",
        "loves us",
    )
    assert "<customer_tweet>" in str(openai_fake.chat_requests[-1].messages[-1]["content"])
    assert "Praise" in message_text(bridge.card_for(tweet_id))

    # A rule still comes first: no model call for it.
    calls = len(openai_fake.chat_requests)
    bridge.x.mention("bob", "@acme wholesale prices please")
    bridge.poll()
    assert len(openai_fake.chat_requests) == calls


def test_a_model_failure_falls_back_to_the_builtin_classifier(
    service: RunningBridge, openai_fake: FakeOpenAI
) -> None:
    bridge = _with_model(service, openai_fake)
    openai_fake.fail_next(500)
    tweet_id = bridge.x.mention("jane", "@acme my order never arrived and nobody answers. Worst service!")
    bridge.poll()
    case = _case(bridge, tweet_id)
    assert case.triage_stage == "builtin" and case.category == "complaint"
    assert "model unavailable" in (case.triage_reason or "")
    assert bridge.card_for(tweet_id)


def test_changing_the_category_moves_the_case_to_its_channel(bridge: Bridge) -> None:
    root = bridge.x.mention("sam", "@acme is the store open on Sunday?")
    bridge.poll()
    old = bridge.card_for(root)
    before = _case(bridge, root).category
    assert before not in (None, "lead")
    result = bridge.driver.select(AGENT, "case_category", "lead", channel=CHANNEL, message_ts=old["ts"])
    assert result.status == 200

    new = wait_for(lambda: bridge.cards(SALES), what="card in the sales channel")[0]
    assert "is the store open on Sunday" in message_text(new) and "moved" not in message_text(new)
    wait_for(
        lambda: f"moved to <#{SALES}>" in message_text(bridge.current(old)), what="pointer on the old card"
    )
    case = _case(bridge, root)
    assert (case.category, case.channel_id, case.thread_ts) == ("lead", SALES, new["ts"])
    with Session(bridge.services.deps.engine) as session:
        [row] = session.exec(select(AuditLog).where(AuditLog.action == AuditAction.CASE_RECATEGORISED)).all()
    assert row.actor == AGENT and json.loads(row.detail) == {"from": before, "to": "lead"}

    # The new card is where the work continues: follow-ups and drafts go to its thread.
    follow = bridge.x.mention("sam", "@acme also, do you open at 9?", in_reply_to=root, conversation_id=root)
    bridge.poll()
    wait_for(lambda: any(follow in message_text(m) for m in bridge.thread(new, SALES)), what="follow-up")
    bridge.driver.thread_message(SALES, new["ts"], AGENT, "reply: Yes, 9 to 5 on Sundays!")
    wait_for(lambda: bridge.drafts_in(new, SALES), what="draft in the new thread")

    def draft_channel() -> str | None:
        with Session(bridge.services.deps.engine) as session:
            return session.exec(select(Draft)).one().slack_channel

    assert wait_for(lambda: draft_channel() == SALES, what="draft linked to the new thread")

    # Someone still typing in the old thread is told where the case went, instead of being ignored.
    bridge.driver.thread_message(CHANNEL, old["ts"], AGENT, "reply: also open on holidays")
    notice = wait_for(lambda: bridge.slack.ephemerals(AGENT), what="moved notice")
    assert f"moved to <#{SALES}>" in notice[-1]["text"]


def test_changing_to_a_category_of_the_same_channel_updates_the_card_in_place(bridge: Bridge) -> None:
    root = bridge.x.mention("sam", "@acme is the store open on Sunday?")
    bridge.poll()
    card = bridge.card_for(root)
    bridge.driver.select(AGENT, "case_category", "praise", channel=CHANNEL, message_ts=card["ts"])
    wait_for(lambda: "Praise" in message_text(bridge.current(card)), what="card updated")
    assert len(bridge.cards()) == 1 and bridge.cards(SALES) == []
    assert _case(bridge, root).category == "praise"
