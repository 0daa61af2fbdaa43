"""Slack surfaces (cards, drafts, Home tabs): newest state wins across processes, every post is shown
once even when Slack's answer is lost, and what a sweep finds left behind is shown."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from slackbridge.app import Services, build_services
from slackbridge.db import make_engine, upgrade
from slackbridge.models import Case, CaseStatus, Draft, DraftStatus, SlackSurface, utcnow
from slackbridge.slack.ids import ActionId
from slackbridge.slack.surfaces import card_key, draft_key
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, RunningBridge, wait_for


def other_process(bridge: Bridge, db_url: str) -> Services:
    """A second instance of the service (its own surfaces holder) on the same database and fakes."""
    return build_services(bridge.settings, engine=make_engine(db_url))


def _case(bridge: Bridge) -> Case:
    with Session(bridge.services.deps.engine) as session:
        return session.exec(select(Case)).one()


def _drafts(bridge: Bridge) -> list[Draft]:
    with Session(bridge.services.deps.engine) as session:
        return list(session.exec(select(Draft).order_by(Draft.id)))  # type: ignore[arg-type]


def _surface(bridge: Bridge, key: str) -> SlackSurface:
    with Session(bridge.services.deps.engine) as session:
        row = session.get(SlackSurface, key)
        assert row is not None
        return row


def _card(bridge: Bridge, text: str = "@acme my parcel is late") -> dict:
    tweet_id = bridge.x.mention("jane", text)
    bridge.poll()
    return bridge.card_for(tweet_id)


@pytest.fixture
def pg_service(fakes: tuple[FakeSlack, FakeX], postgres_url: str) -> Iterator[tuple[RunningBridge, str]]:
    engine = make_engine(postgres_url)
    upgrade(engine)
    engine.dispose()
    running = RunningBridge(*fakes, postgres_url, {})
    yield running, postgres_url
    running.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def two_processes(
    request: pytest.FixtureRequest, service: RunningBridge, db_url: str
) -> Iterator[tuple[Bridge, Services]]:
    if request.param == "sqlite":
        bridge = service.start()
        yield bridge, other_process(bridge, db_url)
        return
    pg: tuple[RunningBridge, str] = request.getfixturevalue("pg_service")
    running, url = pg
    bridge = running.start()
    yield bridge, other_process(bridge, url)


# -- newest state wins across processes ------------------------------------------------------------------


def test_two_processes_changing_one_card_at_once_leave_slack_showing_the_newest_state(
    two_processes: tuple[Bridge, Services],
) -> None:
    bridge, worker = two_processes
    card = _card(bridge)
    case_id = _case(bridge).id
    assert case_id is not None

    # The web process assigns the case; Slack is slow to take that render. Meanwhile the worker resolves
    # the case. Rendered in the order the changes were read, the slow older view would land last.
    bridge.slack.delay_next("chat.update", 0.6)
    web = threading.Thread(target=bridge.services.ownership.assign, args=(case_id,), kwargs={"user": AGENT})
    web.start()
    wait_for(lambda: _surface(bridge, card_key(case_id)).claimed_by, what="the web process rendering")
    outcome = worker.cases.set_status(case_id, CaseStatus.RESOLVED, actor=MANAGER)
    assert outcome.ok
    web.join(10)

    shown = message_text(bridge.current(card))
    assert "Resolved" in shown and "assigned to <@UAGENT>" in shown
    surface = _surface(bridge, card_key(case_id))
    assert surface.rendered == surface.version and surface.claimed_by is None


def test_many_changes_from_two_processes_end_with_the_card_showing_the_stored_state(
    two_processes: tuple[Bridge, Services],
) -> None:
    bridge, worker = two_processes
    card = _card(bridge)
    case_id = _case(bridge).id
    assert case_id is not None
    for _ in range(6):
        bridge.slack.delay_next("chat.update", 0.05)  # renders overlap the changes

    def flip(services: Services, user: str, start: int) -> None:
        for n in range(start, start + 6):
            status = CaseStatus.RESOLVED if n % 2 == 0 else CaseStatus.OPEN
            services.cases.set_status(case_id, status, actor=user)

    threads = [
        threading.Thread(target=flip, args=(services, user, start))
        for services, user, start in [(bridge.services, AGENT, 0), (worker, MANAGER, 1)] * 2
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    status = _case(bridge).status
    label = "Resolved" if status == CaseStatus.RESOLVED else "Open: waiting on us"
    assert label in message_text(bridge.current(card))
    surface = _surface(bridge, card_key(case_id))
    assert surface.rendered == surface.version and surface.claimed_by is None


def test_a_card_left_dirty_by_a_crashed_renderer_is_rendered_by_sweep(bridge: Bridge) -> None:
    card = _card(bridge)
    case_id = _case(bridge).id
    assert case_id is not None
    with Session(bridge.services.deps.engine) as session:  # a process resolved it, then died rendering
        case = session.get(Case, case_id)
        row = session.get(SlackSurface, card_key(case_id))
        assert case is not None and row is not None
        case.status = CaseStatus.RESOLVED
        row.version += 1
        row.claimed_by, row.claimed_until = "dead.process", utcnow() + timedelta(seconds=30)
        session.add_all([case, row])
        session.commit()
    assert bridge.services.surfaces.sweep() == 0  # its claim is still fresh: it may yet finish
    assert "Resolved" not in message_text(bridge.current(card))

    with Session(bridge.services.deps.engine) as session:
        row = session.get(SlackSurface, card_key(case_id))
        assert row is not None
        row.claimed_until = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    assert bridge.services.surfaces.sweep() == 1
    assert "Resolved" in message_text(bridge.current(card))
    assert bridge.services.surfaces.sweep() == 0  # nothing left behind


def test_a_card_deleted_in_slack_is_given_up_not_retried_forever(bridge: Bridge) -> None:
    card = _card(bridge)
    case_id = _case(bridge).id
    assert case_id is not None
    bridge.slack.fail_next("chat.update", error="message_not_found")
    assert bridge.services.cases.set_status(case_id, CaseStatus.RESOLVED, actor=AGENT).ok
    surface = _surface(bridge, card_key(case_id))
    assert surface.rendered == surface.version  # nothing to show it on: not left for every sweep
    calls = len(bridge.slack.calls("chat.update"))
    assert bridge.services.surfaces.sweep() == 0
    assert len(bridge.slack.calls("chat.update")) == calls
    assert "Resolved" not in message_text(bridge.current(card))


def test_while_slack_is_down_a_change_waits_for_the_sweep(bridge: Bridge) -> None:
    card = _card(bridge)
    case_id = _case(bridge).id
    assert case_id is not None
    bridge.slack.fail_next("chat.update", error="service_unavailable", status=503, count=4)
    assert bridge.services.cases.set_status(case_id, CaseStatus.RESOLVED, actor=AGENT).ok
    assert "Resolved" not in message_text(bridge.current(card))
    wait_for(lambda: bridge.services.surfaces.sweep() == 1, what="Slack back")
    assert "Resolved" in message_text(bridge.current(card))


# -- drafts: posted once, even when Slack's answer is lost -----------------------------------------------


def test_a_draft_stored_while_slack_failed_is_posted_once_by_sweep(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.slack.fail_next("chat.postMessage", error="internal_error", status=500)  # really not posted
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: On its way, Jane!")
    wait_for(lambda: _drafts(bridge), what="the draft stored")
    wait_for(lambda: bridge.slack.calls("chat.postMessage")[1:], what="the failed attempt")
    time.sleep(0.3)
    assert bridge.drafts_in(card) == []

    assert bridge.services.surfaces.sweep() == 1
    [message] = bridge.drafts_in(card)
    assert "On its way, Jane!" in message_text(message)
    assert _drafts(bridge)[0].slack_ts == message["ts"]
    assert bridge.services.surfaces.sweep() == 0
    assert len(bridge.drafts_in(card)) == 1


def test_a_draft_slack_took_without_answering_is_found_not_posted_twice(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.slack.fail_next("chat.postMessage", error="internal_error", status=500, after=True)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: On its way, Jane!")
    wait_for(lambda: bridge.drafts_in(card), what="the draft shown (its ts unknown to us)")
    time.sleep(0.3)
    assert _drafts(bridge)[0].slack_ts is None

    bridge.services.surfaces.sweep()
    [message] = bridge.drafts_in(card)
    assert _drafts(bridge)[0].slack_ts == message["ts"]


def test_a_draft_whose_ts_was_lost_shows_sent_after_approval(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.slack.fail_next("chat.postMessage", error="internal_error", status=500, after=True)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: On its way, Jane!")
    [message] = wait_for(lambda: bridge.drafts_in(card), what="the draft shown")
    time.sleep(0.3)
    assert _drafts(bridge)[0].slack_ts is None  # no sweep has run yet

    bridge.click(MANAGER, message, ActionId.APPROVE)
    wait_for(lambda: "Sent on X" in message_text(bridge.current(message)), what="the message shows sent")
    assert len(bridge.drafts_in(card)) == 1


def test_renders_of_one_draft_from_two_processes_end_with_the_newest_state(
    two_processes: tuple[Bridge, Services],
) -> None:
    bridge, worker = two_processes
    card = _card(bridge)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: first version")
    [message] = wait_for(lambda: bridge.drafts_in(card), what="draft")
    draft_id = wait_for(lambda: (d := _drafts(bridge)) and d[0].slack_ts and d[0].id, what="draft ts")

    bridge.slack.delay_next("chat.update", 0.6)
    web = threading.Thread(
        target=bridge.services.drafts.edit,
        args=(draft_id,),
        kwargs={"editor": AGENT, "text": "second version", "expected_version": 1},
    )
    web.start()
    # The edit is stored and the web process is showing it (a claim alone may be an earlier render's)
    wait_for(
        lambda: (
            _drafts(bridge)[0].text == "second version" and _surface(bridge, draft_key(draft_id)).claimed_by
        ),
        what="the web process rendering the edit",
    )
    assert worker.drafts.discard(draft_id, user=AGENT).ok
    web.join(10)
    shown = message_text(bridge.current(message))
    assert "Discarded" in shown and "second version" in shown


# -- the Home tab follows every change that concerns it --------------------------------------------------


def test_discarding_a_draft_takes_it_off_the_approvers_home(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.driver.app_home_opened(MANAGER)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Refund started, Jane!")
    [message] = wait_for(lambda: bridge.drafts_in(card), what="draft")
    wait_for(
        lambda: "Waiting for your approval (1)" in message_text(bridge.slack.home_view(MANAGER) or {}),
        what="the draft on the manager's Home",
    )
    bridge.click(AGENT, message, ActionId.DISCARD)
    wait_for(
        lambda: "Waiting for your approval (0)" in message_text(bridge.slack.home_view(MANAGER) or {}),
        what="the discarded draft gone from the manager's Home",
    )
    assert "Refund started" not in message_text(bridge.slack.home_view(MANAGER) or {})


# -- clicks that cannot be trusted, and notices that must be shown ---------------------------------------


def test_a_forged_approve_without_a_version_is_refused_and_nothing_is_posted(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: first version")
    wait_for(lambda: bridge.drafts_in(card), what="draft")
    draft_id = _drafts(bridge)[0].id
    result = bridge.driver.click(
        MANAGER, ActionId.APPROVE, f'{{"d":{draft_id}}}', channel=CHANNEL, message_ts=card["ts"]
    )
    assert result.status == 200
    [notice] = wait_for(lambda: bridge.slack.responses(result.response_name), what="notice")
    assert "could not be read" in notice.body["text"]
    assert bridge.x.posted() == [] and _drafts(bridge)[0].status == DraftStatus.PENDING


@pytest.mark.parametrize("action", [ActionId.APPROVE, ActionId.RESOLVE, ActionId.ASSIGN])
def test_an_out_of_range_id_is_refused_at_once_with_a_notice(bridge: Bridge, action: ActionId) -> None:
    card = _card(bridge)
    value = '{"d":99999999999999999999,"v":1}' if action == ActionId.APPROVE else '{"c":99999999999999999999}'
    result = bridge.driver.click(MANAGER, action, value, channel=CHANNEL, message_ts=card["ts"])
    assert result.status == 200
    [notice] = wait_for(lambda: bridge.slack.responses(result.response_name), timeout=2.0, what="notice")
    assert "could not be read" in notice.body["text"]


def test_resolving_twice_tells_the_second_clicker_it_is_already_resolved(bridge: Bridge) -> None:
    card = _card(bridge)
    bridge.driver.select(AGENT, ActionId.RESOLVE_AS, "solved", channel=CHANNEL, message_ts=card["ts"])
    wait_for(lambda: "Resolved" in message_text(bridge.current(card)), what="resolved card")
    again = bridge.driver.select(  # from a stale copy of the card
        MANAGER, ActionId.RESOLVE_AS, "spam", channel=CHANNEL, message_ts=card["ts"], message=card
    )
    [notice] = wait_for(lambda: bridge.slack.responses(again.response_name), what="notice")
    case_id = _case(bridge).id
    assert notice.body["text"] == f"Case #{case_id} is already resolved."
