"""Service levels end to end: due times on the card, one reminder at 75 %, one escalation at the breach, in
business hours only, once across schedulers and restarts, and snooze; on SQLite and PostgreSQL.

The clock is the test's: every scheduler round is given its `now`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from slackbridge.app import build_services
from slackbridge.config import load_settings
from slackbridge.db import make_engine, upgrade
from slackbridge.models import AuditAction, AuditLog, Case, utcnow
from slackbridge.slack.blocks.sla import SNOOZE_1H, SNOOZE_CUSTOM, SNOOZE_INPUT, UNSNOOZE
from slackbridge.slack.ids import ActionId, BlockId, Ref, encode_ref
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, RunningBridge, bridge_env, wait_for

COMPLAINT = "@acme my blender arrived broken and nobody answers, this is terrible"
SLA_ENV = {
    "SLACKBRIDGE_SLA": "default=2h,complaint=30m",
    "SLACKBRIDGE_SLA_NEXT_RESPONSE": "1h",
    "SLACKBRIDGE_ESCALATE_TO": "S0LEADS",
}
REMINDER = "is due soon"
ESCALATION = "breached its 30m target"


@pytest.fixture
def env_extra() -> dict[str, str]:
    return dict(SLA_ENV)


@pytest.fixture(params=["sqlite", "postgresql"])
def sla_service(
    request: pytest.FixtureRequest, fakes: tuple[FakeSlack, FakeX], db_url: str
) -> Iterator[RunningBridge]:
    url = db_url
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        upgrade(make_engine(url))
    running = RunningBridge(*fakes, url, dict(SLA_ENV))
    yield running
    running.stop()


def _case(bridge: Bridge) -> Case:
    with Session(bridge.services.deps.engine) as session:
        case = session.exec(select(Case).order_by(col(Case.id).desc())).first()
    assert case is not None
    return case


def _notices(bridge: Bridge, card: dict[str, Any], words: str) -> list[str]:
    return [message_text(m) for m in bridge.thread(card) if words in message_text(m)]


def _card_text(bridge: Bridge, card: dict[str, Any]) -> str:
    return message_text(bridge.current(card))


def _complaint(bridge: Bridge, **kwargs: Any) -> tuple[dict[str, Any], Case]:
    tweet_id = bridge.x.mention("jane", COMPLAINT, **kwargs)
    bridge.poll()
    case = _case(bridge)
    assert case.category == "complaint"
    return bridge.card_for(tweet_id), case


def test_one_reminder_at_75_percent_one_escalation_at_the_breach(sla_service: RunningBridge) -> None:
    bridge = sla_service.start()
    older = bridge.x.mention("tom", "@acme love the new store, great job")  # on time: 2h target
    bridge.poll()
    card, case = _complaint(bridge)
    start = case.waiting_since
    assert start is not None and case.due_at == start + timedelta(minutes=30)
    assert case.first_due_at == case.due_at
    assert "on time" in _card_text(bridge, card) and f"<!date^{int(case.due_at.timestamp())}^" in str(
        bridge.current(card)["blocks"]
    )
    clock = bridge.services.sla

    clock.round(now=start + timedelta(minutes=22, seconds=29))
    assert not _notices(bridge, card, REMINDER) and "on time" in _card_text(bridge, card)
    clock.round(now=start + timedelta(minutes=22, seconds=30))
    [reminder] = _notices(bridge, card, REMINDER)
    assert "<!here>" in reminder  # nobody owns the case: the channel is reminded
    assert "due soon" in _card_text(bridge, card)
    for minute in (23, 25, 29):
        clock.round(now=start + timedelta(minutes=minute))
    assert len(_notices(bridge, card, REMINDER)) == 1 and not _notices(bridge, card, ESCALATION)

    clock.round(now=start + timedelta(minutes=30))
    [escalation] = _notices(bridge, card, ESCALATION)
    assert "<!subteam^S0LEADS>" in escalation
    assert "breached" in _card_text(bridge, card)
    for minute in (31, 45, 90):
        clock.round(now=start + timedelta(minutes=minute))
    assert len(_notices(bridge, card, REMINDER)) == 1 and len(_notices(bridge, card, ESCALATION)) == 1

    # The breached case leads the queue, ahead of an older one still on time.
    answer = bridge.driver.command(AGENT, "/tweetcare", "queue", channel=CHANNEL)
    [queue] = wait_for(lambda: bridge.slack.responses(answer.response_name), what="queue")
    listed = message_text(queue.body)
    assert "breached" in listed and listed.index(f"#{case.id}") < listed.index("@tom")
    assert older
    with Session(bridge.services.deps.engine) as session:
        actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.case_id == case.id))]
    for action in (AuditAction.SLA_DUE_SOON, AuditAction.SLA_REMINDED, AuditAction.SLA_BREACHED):
        assert actions.count(action) == 1
    assert actions.count(AuditAction.SLA_ESCALATED) == 1


def test_two_schedulers_racing_send_each_notice_once(sla_service: RunningBridge) -> None:
    bridge = sla_service.start()
    card, case = _complaint(bridge)
    assert case.waiting_since is not None
    settings = load_settings(bridge_env(bridge.slack, bridge.x, sla_service.db_url, **SLA_ENV))
    other = build_services(settings, engine=make_engine(sla_service.db_url))
    at = [case.waiting_since + timedelta(minutes=m) for m in (23, 31)]
    for now in at:
        barrier = threading.Barrier(6)

        def run(clock: Any, now: datetime = now, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            clock.round(now=now)

        threads = [threading.Thread(target=run, args=(c,)) for c in [bridge.services.sla, other.sla] * 3]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    wait_for(lambda: _notices(bridge, card, ESCALATION), what="escalation")
    assert len(_notices(bridge, card, REMINDER)) == 1 and len(_notices(bridge, card, ESCALATION)) == 1
    with Session(bridge.services.deps.engine) as session:
        claims = [a.action for a in session.exec(select(AuditLog).where(AuditLog.case_id == case.id))]
    assert claims.count(AuditAction.SLA_REMINDED) == 1 and claims.count(AuditAction.SLA_ESCALATED) == 1
    other.deps.engine.dispose()


def test_a_restart_neither_loses_nor_repeats_a_reminder(sla_service: RunningBridge) -> None:
    bridge = sla_service.start()
    card, case = _complaint(bridge)
    assert case.waiting_since is not None
    now = case.waiting_since + timedelta(minutes=23)
    bridge.slack.fail_next("chat.postMessage", error="service_unavailable")  # claimed, not yet posted
    bridge.services.sla.round(now=now)
    assert not _notices(bridge, card, REMINDER)
    sla_service.stop()
    bridge = sla_service.start()
    bridge.services.sla.round(now=now)  # already claimed: nothing new
    bridge.services.surfaces.sweep()  # the left-behind notice is posted
    bridge.services.sla.round(now=now + timedelta(minutes=1))
    bridge.services.surfaces.sweep()
    assert len(_notices(bridge, card, REMINDER)) == 1

    # A post that reached Slack while its answer was lost is found, not sent again.
    bridge.slack.fail_next("chat.postMessage", error="service_unavailable", after=True)
    bridge.services.sla.round(now=case.waiting_since + timedelta(minutes=30))
    sla_service.stop()
    bridge = sla_service.start()
    bridge.services.surfaces.sweep()
    bridge.services.sla.round(now=case.waiting_since + timedelta(minutes=40))
    assert len(_notices(bridge, card, ESCALATION)) == 1 and len(_notices(bridge, card, REMINDER)) == 1


def test_a_reply_stops_the_clock_and_the_customer_answering_starts_the_next(bridge: Bridge) -> None:
    card, case = _complaint(bridge)
    assert case.waiting_since is not None and case.due_at is not None
    bridge.click(AGENT, card, ActionId.ASSIGN.value)
    wait_for(lambda: _case(bridge).assignee_id == AGENT, what="assigned")
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: So sorry Jane, DM us your order number?")
    [draft] = wait_for(lambda: bridge.drafts_in(card), what="draft")
    bridge.click(MANAGER, draft, ActionId.APPROVE.value)
    wait_for(lambda: bridge.x.posted(), what="reply on X")
    answered = wait_for(lambda: (c := _case(bridge)).due_at is None and c, what="clock stopped")
    assert answered.first_due_at == case.due_at and answered.first_response_at is not None
    wait_for(lambda: "Due" not in _card_text(bridge, card), what="card without the clock")
    for minute in (23, 31, 120):
        bridge.services.sla.round(now=case.waiting_since + timedelta(minutes=minute))
    assert not _notices(bridge, card, REMINDER) and not _notices(bridge, card, "breached")

    # The customer writes again: the next response is due within SLACKBRIDGE_SLA_NEXT_RESPONSE (1h).
    [ours] = bridge.x.posted()
    bridge.x.add_tweet("jane", "@acme it's order 123", in_reply_to=ours["id"])
    bridge.poll()
    turn = wait_for(lambda: (c := _case(bridge)).due_at is not None and c, what="next turn")
    assert turn.waiting_since is not None and turn.due_at == turn.waiting_since + timedelta(hours=1)
    assert turn.first_due_at == case.due_at
    bridge.services.sla.round(now=turn.waiting_since + timedelta(minutes=45))
    [reminder] = _notices(bridge, card, REMINDER)
    assert f"<@{AGENT}>" in reminder and "1h target" in reminder  # the owner is reminded


@pytest.fixture
def office_hours() -> dict[str, str]:
    return {
        **SLA_ENV,
        "SLACKBRIDGE_BUSINESS_HOURS": "Mon-Fri 09:00-18:00 Europe/Berlin",
        "SLACKBRIDGE_HOLIDAYS": "2026-12-24,2026-12-25",
    }


def test_business_hours_and_holidays_pause_the_clock(
    service: RunningBridge, office_hours: dict[str, str]
) -> None:
    service.env_extra.update(office_hours)
    bridge = service.start()
    berlin = ZoneInfo("Europe/Berlin")

    def at(day: int, hour: int, minute: int, second: int = 0) -> datetime:
        return datetime(2026, 12, day, hour, minute, second, tzinfo=berlin).astimezone(UTC)

    # Wednesday 23 December, 17:50: ten minutes today, then the holidays and the weekend.
    card, case = _complaint(bridge, created_at=at(23, 17, 50))
    assert case.due_soon_at == at(28, 9, 12, 30) and case.due_at == at(28, 9, 20)
    for now in (at(23, 18, 30), at(24, 12, 0), at(26, 12, 0), at(28, 9, 12)):
        bridge.services.sla.round(now=now)
    assert not _notices(bridge, card, REMINDER) and "on time" in _card_text(bridge, card)
    bridge.services.sla.round(now=at(28, 9, 12, 30))
    assert len(_notices(bridge, card, REMINDER)) == 1
    bridge.services.sla.round(now=at(28, 9, 20))
    assert len(_notices(bridge, card, ESCALATION)) == 1


def _snooze(bridge: Bridge, card: dict[str, Any], case_id: int, choice: str) -> Any:
    value = encode_ref(Ref(case_id=case_id, extra=choice))
    return bridge.driver.overflow(AGENT, ActionId.SNOOZE.value, value, channel=CHANNEL, message_ts=card["ts"])


def test_snooze_pauses_reminders_visibly_and_they_resume(bridge: Bridge) -> None:
    card, case = _complaint(bridge)
    assert case.waiting_since is not None
    result = _snooze(bridge, card, case.id or 0, SNOOZE_1H)
    assert result.status == 200 and result.elapsed < 3
    snoozed = wait_for(lambda: (c := _case(bridge)).snoozed_until and c, what="snoozed")
    assert snoozed.snoozed_by == AGENT
    assert abs((snoozed.snoozed_until - utcnow()) - timedelta(hours=1)) < timedelta(minutes=1)
    wait_for(lambda: "snoozed" in _card_text(bridge, card), what="snooze on the card")
    clock = bridge.services.sla
    start = case.waiting_since
    clock.round(now=start + timedelta(minutes=23))
    clock.round(now=start + timedelta(minutes=31))
    assert not _notices(bridge, card, REMINDER) and not _notices(bridge, card, ESCALATION)
    assert "breached" in _card_text(bridge, card)  # the clock keeps running; only reminders pause
    clock.round(now=snoozed.snoozed_until + timedelta(seconds=1))
    assert len(_notices(bridge, card, ESCALATION)) == 1 and not _notices(bridge, card, REMINDER)
    assert "snoozed" not in _card_text(bridge, card)  # the ended snooze left the card
    with Session(bridge.services.deps.engine) as session:
        [audit] = session.exec(select(AuditLog).where(AuditLog.action == AuditAction.CASE_SNOOZED)).all()
    assert audit.actor == AGENT and audit.case_id == case.id


def test_custom_snooze_through_the_modal_and_unsnooze(bridge: Bridge) -> None:
    card, case = _complaint(bridge)
    assert case.waiting_since is not None
    _snooze(bridge, card, case.id or 0, SNOOZE_CUSTOM)
    [view] = wait_for(lambda: bridge.slack.views_opened, what="snooze modal")
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=20)
    picked = {"type": "datetimepicker", "selected_date_time": int(until.timestamp())}
    result = bridge.driver.submit_view(AGENT, view, {BlockId.SNOOZE_UNTIL.value: {SNOOZE_INPUT: picked}})
    assert result.status == 200
    assert wait_for(lambda: _case(bridge).snoozed_until, what="snoozed") == until
    past = {"type": "datetimepicker", "selected_date_time": int(until.timestamp()) - 86400}
    refused = bridge.driver.submit_view(AGENT, view, {BlockId.SNOOZE_UNTIL.value: {SNOOZE_INPUT: past}})
    assert "future" in str(refused.json)
    # Still snoozed 20 minutes in: no reminder at 75 % while the snooze lasts.
    bridge.services.sla.round(now=case.waiting_since + timedelta(minutes=19))
    assert not _notices(bridge, card, REMINDER)
    _snooze(bridge, card, case.id or 0, UNSNOOZE)
    wait_for(lambda: _case(bridge).snoozed_until is None, what="unsnoozed")
    wait_for(lambda: "snoozed" not in _card_text(bridge, card), what="card without the snooze")
    bridge.services.sla.round(now=case.waiting_since + timedelta(minutes=23))
    assert len(_notices(bridge, card, REMINDER)) == 1


def test_a_new_category_moves_the_due_time_to_its_target(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("tom", "@acme do you ship to Lyon?")
    bridge.poll()
    card, case = bridge.card_for(tweet_id), _case(bridge)
    assert case.category != "complaint" and case.waiting_since is not None
    assert case.due_at == case.waiting_since + timedelta(hours=2)
    bridge.driver.select(AGENT, ActionId.CATEGORY.value, "complaint", channel=CHANNEL, message_ts=card["ts"])
    moved = wait_for(lambda: (c := _case(bridge)).category == "complaint" and c, what="recategorised")
    assert moved.due_at == moved.first_due_at == case.waiting_since + timedelta(minutes=30)
    bridge.services.sla.round(now=case.waiting_since + timedelta(minutes=23))
    assert len(_notices(bridge, card, REMINDER)) == 1


def test_the_leader_runs_the_scheduler_only_when_targets_are_set(service: RunningBridge) -> None:
    bridge = service.start()
    bridge.runtime.add_default_pollers()
    assert "sla" in [p.name for p in bridge.runtime.pollers]
    service.stop()
    service.env_extra.clear()
    bridge = service.start()
    bridge.runtime.add_default_pollers()
    assert "sla" not in [p.name for p in bridge.runtime.pollers]
