"""Outcomes on Resolve, the manager's stats on a hand-computed data set (SQLite and PostgreSQL), export to
CSV and the retention wipe."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from slackbridge.cli import main
from slackbridge.db import make_engine, upgrade
from slackbridge.models import AuditAction, AuditLog, Case, CaseOutcome, CaseSource, CaseStatus, Draft, Tweet
from slackbridge.services.figures import Backlog, Durations, Target
from slackbridge.services.periods import Period
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from tests.e2e import outcomes_data as data
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, Bridge, RunningBridge, wait_for
from tests.e2e.test_tweetcare import ask, seen

M = timedelta(minutes=1)
PERIOD = Period(date(2026, 11, 1), date(2026, 11, 3), relative=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'slackbridge.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def seeded(fakes: tuple[FakeSlack, FakeX], store_url: str) -> Iterator[Bridge]:
    running = RunningBridge(*fakes, store_url, {"SLACKBRIDGE_RETENTION_DAYS": "20"})
    bridge = running.start()
    data.seed(bridge.services.deps.engine)
    yield bridge
    running.stop()
    bridge.services.deps.engine.dispose()


def _case(bridge: Bridge) -> Case:
    with Session(bridge.services.deps.engine) as session:
        return session.exec(select(Case)).one()


def test_resolve_asks_for_an_outcome_and_stores_it_with_the_time_taken(bridge: Bridge) -> None:
    tweet_id = bridge.x.mention("jane", "@acme thanks, all sorted by DM")
    bridge.poll()
    card = bridge.card_for(tweet_id)
    [picker] = [
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "case_resolve_as"
    ]
    assert [o["text"]["text"] for o in picker["options"]] == [
        "Solved",
        "Moved to DM",
        "No action needed",
        "Can't help",
        "Spam",
    ]
    result = bridge.driver.select(
        AGENT, "case_resolve_as", "moved_to_dm", channel=CHANNEL, message_ts=card["ts"]
    )
    assert result.status == 200 and result.elapsed < 3
    wait_for(lambda: _case(bridge).status == CaseStatus.RESOLVED, what="resolved")
    case = _case(bridge)
    assert case.outcome == CaseOutcome.MOVED_TO_DM and case.resolved_at is not None
    assert case.resolution_seconds == int((case.resolved_at - case.created_at).total_seconds())
    shown = wait_for(lambda: message_text(bridge.current(card)), what="card")
    wait_for(
        lambda: "Resolved (Moved to DM)" in message_text(bridge.current(card)), what="outcome on the card"
    )
    assert shown
    with Session(bridge.services.deps.engine) as session:
        [row] = session.exec(select(AuditLog).where(AuditLog.action == AuditAction.CASE_RESOLVED)).all()
    assert row.actor == AGENT and json.loads(row.detail) == {"outcome": "moved_to_dm"}

    bridge.click(AGENT, bridge.current(card), "case_reopen")  # reopening forgets the outcome
    wait_for(lambda: _case(bridge).status == CaseStatus.OPEN, what="reopened")
    assert _case(bridge).outcome is None and _case(bridge).resolution_seconds is None
    # A card posted before outcomes were asked for still resolves with its old button.
    case_id = _case(bridge).id
    bridge.driver.click(
        AGENT, "case_resolve", json.dumps({"c": case_id}), channel=CHANNEL, message_ts=card["ts"]
    )
    wait_for(lambda: _case(bridge).status == CaseStatus.RESOLVED, what="resolved by the old button")
    assert _case(bridge).outcome is None
    bad = bridge.driver.select(AGENT, "case_resolve_as", "bribed", channel=CHANNEL, message_ts=card["ts"])
    [notice] = wait_for(lambda: bridge.slack.responses(bad.response_name), what="notice")
    assert "could not be read" in notice.body["text"]


def test_stats_figures_match_the_hand_computed_ones(seeded: Bridge) -> None:
    report = seeded.services.stats.report(PERIOD, now=data.NOW)
    assert report.total_cases == 7
    assert {day: dict(c) for day, c in report.volume.items()} == {
        date(2026, 11, 1): {"complaint": 2},
        date(2026, 11, 2): {"question": 2},
        date(2026, 11, 3): {"praise": 1, "complaint": 1, "question": 1},
    }
    # first responses 5, 10, 20, 40, 60 minutes: median 20, nearest-rank p90 60
    assert report.first_response == Durations(5, 20 * M, 60 * M)
    # resolutions 30m, 1h, 2h, 1d, 3d (case 7 opened before the period, resolved in it)
    assert report.resolution == Durations(5, timedelta(hours=2), timedelta(days=3))
    assert report.targets == [Target("question", 2, 3), Target("complaint", 1, 2), Target("all", 3, 5)]
    assert [round(t.percent or 0) for t in report.targets] == [67, 50, 60]
    assert report.backlog == Backlog(3, timedelta(hours=45), timedelta(hours=13))
    assert report.outcomes == [("solved", 2), ("cant_help", 1), ("moved_to_dm", 1), ("spam", 1)]
    assert report.csat_count == 3 and report.csat_average == pytest.approx(11 / 3)
    assert report.replies_by_agent == [(data.AGENT, 3), (data.MANAGER, 3)]
    [agent, manager] = report.agents
    assert (agent.agent, agent.replies) == (data.AGENT, 3)
    assert agent.first_response == Durations(2, 15 * M, 20 * M)
    assert agent.resolution == Durations(2, timedelta(minutes=90), timedelta(hours=2))
    assert (manager.agent, manager.replies) == (data.MANAGER, 3)
    assert manager.first_response == Durations(3, 40 * M, 60 * M)
    assert manager.resolution == Durations(2, timedelta(days=2), timedelta(days=3))
    assert report.backlog_by_day == {date(2026, 11, 1): 1, date(2026, 11, 2): 1, date(2026, 11, 3): 3}
    assert report.within_target_by_day == {
        date(2026, 11, 1): 50.0,
        date(2026, 11, 2): 50.0,
        date(2026, 11, 3): 100.0,
    }


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the figures are checked on both above
def test_stats_for_a_range_through_the_command_and_the_chart_privately_or_in_channel(seeded: Bridge) -> None:
    bridge = seeded
    text = seen(ask(bridge, data.AGENT, "stats 2026-11-01..2026-11-03"))
    for words in (
        "2026-11-01 to 2026-11-03",
        "7 new cases",
        # asked today, case 6's target has passed without a reply too
        "*First responses within target*: 50% (3 of 6) · complaint 33% (1 of 3), question 67% (2 of 3)",
        "*First response*: median 20m, 90th percentile 1h 0m (5)",
        "*Resolution*: median 2h 0m, 90th percentile 3d 0h (5)",
        "3 waiting on us",
        "*Outcomes*: Solved 2, Can't help 1, Moved to DM 1, Spam 1",
        "*Satisfaction (CSAT)*: 3.7 of 5 from 3 ratings",
        f"<@{data.AGENT}> 3 replies · first response median 15m (2) · resolution median 1h 30m (2)",
    ):
        assert words in text, words
    assert bridge.slack.files == []
    text = seen(ask(bridge, data.AGENT, "stats 2026-11-01..2026-11-03 chart"))
    assert "in your direct messages" in text
    [private] = bridge.slack.files
    assert private.channel_id == bridge.slack.dm_channel(data.AGENT) and private.channel_id != CHANNEL
    assert private.title == "X care, 2026-11-01 to 2026-11-03"
    text = seen(ask(bridge, MANAGER, "stats 7d chart"))
    assert "posted in this channel" in text
    assert (
        bridge.slack.files[-1].channel_id == CHANNEL and bridge.slack.files[-1].title == "X care, last 7 days"
    )


@pytest.mark.parametrize(
    "words", ["stats 2026-11-31", "stats 2026-11-15..2026-11-01", "stats 0d", "stats 7d 30d"]
)
def test_a_bad_range_gets_a_usage_line(bridge: Bridge, words: str) -> None:
    text = seen(ask(bridge, AGENT, words))
    assert "/tweetcare stats 7d" in text and "Traceback" not in text


def _rows(engine: object, model: type) -> int:
    with Session(engine) as session:  # type: ignore[arg-type]
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_retention_wipes_old_text_keeps_counts_and_search_forgets_it(seeded: Bridge) -> None:
    bridge = seeded
    engine = bridge.services.deps.engine
    assert bridge.services.search.search("blender"), "found before the wipe"
    before = bridge.services.stats.report(PERIOD, now=data.NOW)
    counts = (_rows(engine, Tweet), _rows(engine, Draft), _rows(engine, Case))
    bridge.runtime.add_default_pollers()
    assert "retention" in [p.name for p in bridge.runtime.pollers]

    now = data.NOW + timedelta(days=19)  # 2026-11-23 12:00
    wiped = bridge.services.retention.sweep(now=now)  # cutoff 2026-11-03 12:00 with 20 days kept
    # Posts: cases 1, 2, 3, 5, 7 (resolved); cases 4, 8 (open) and 10 (waiting) keep their text while
    # people work on them; 6 and 9 are newer. Drafts: all 7 were written before the cutoff.
    assert wiped == 5 + 7
    assert bridge.services.search.search("blender") == []
    assert bridge.services.search.search("refund") == []
    assert sorted(h.case_id or 0 for h in bridge.services.search.search("post number")) == [4, 6, 8, 9, 10]
    with Session(engine) as session:
        kept = session.get(Tweet, "904")
        gone = session.get(Tweet, "901")
        assert kept is not None and kept.text == "post number 4"
        assert gone is not None and gone.text == "" and gone.text_wiped_at is not None
        [audit_row] = session.exec(select(AuditLog).where(AuditLog.action == AuditAction.TEXT_WIPED)).all()
    assert json.loads(audit_row.detail)["posts"] == 5
    assert (_rows(engine, Tweet), _rows(engine, Draft), _rows(engine, Case)) == counts
    after = bridge.services.stats.report(PERIOD, now=data.NOW)
    assert (after.total_cases, after.first_response, after.resolution) == (
        before.total_cases,
        before.first_response,
        before.resolution,
    )
    assert bridge.services.retention.sweep(now=now + timedelta(hours=1)) == 0  # not due again for a day
    assert bridge.services.retention.sweep(now=now + timedelta(days=1)) == 0  # due, nothing left to wipe
    assert _rows(engine, AuditLog) == len(data.RESOLVERS) + 1


def _export(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, *argv: str) -> int:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_URL", url)
    return main(["export", *argv, "--debug"])


def test_export_writes_csv_a_spreadsheet_reads_back(
    seeded: Bridge,
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "cases.csv"
    code = _export(
        monkeypatch,
        tmp_path,
        store_url,
        "cases",
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-03",
        "--output",
        str(out),
    )
    assert code == 0
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5", "6", "8", "10"]
    first = rows[0]
    assert first["text"] == data.TEXTS[1] and first["customer_username"] == "zoe_k"
    assert (
        first["created_at"] == "2026-11-01T10:00:00+00:00"
        and first["first_due_at"] == "2026-11-01T10:30:00+00:00"
    )
    assert (first["outcome"], first["resolution_seconds"], first["csat_score"]) == ("solved", "7200", "5")
    assert rows[3]["resolved_at"] == "" and rows[3]["status"] == "open"

    assert _export(monkeypatch, tmp_path, store_url, "drafts", "--since", "2026-11-01T00:00:00") == 0
    drafts = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(drafts) == 6 and drafts[0]["text"] == "Reply 1, sorry about the blender"
    assert _export(monkeypatch, tmp_path, store_url, "audit", "--since", "2026-10-01", "--format", "csv") == 0
    audit = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["action"] for r in audit} == {"case_resolved"} and len(audit) == len(data.RESOLVERS)

    assert _export(monkeypatch, tmp_path, store_url, "cases", "--since", "last week") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--since must be a day like 2026-11-01" in err


def test_with_business_hours_response_and_resolution_count_only_open_hours(
    fakes: tuple[FakeSlack, FakeX], store_url: str
) -> None:
    hours = {"SLACKBRIDGE_SLA": "2h", "SLACKBRIDGE_BUSINESS_HOURS": "Mon-Fri 09:00-18:00 Europe/Berlin"}
    running = RunningBridge(*fakes, store_url, hours)
    bridge = running.start()
    try:
        # Friday 6 Nov 17:00 Berlin; answered Monday 10:00 and resolved Monday 11:00 Berlin. The weekend and
        # the nights are closed: 1 h on Friday + 1 h on Monday to answer, 3 h in all to resolve.
        created = datetime(2026, 11, 6, 16, 0, tzinfo=UTC)
        answered = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
        resolved = datetime(2026, 11, 9, 10, 0, tzinfo=UTC)
        with Session(bridge.services.deps.engine) as session:
            session.add(
                Case(
                    id=1,
                    conversation_id="901",
                    root_tweet_id="901",
                    customer_id="42",
                    source=CaseSource.MENTION,
                    status=CaseStatus.RESOLVED,
                    category="question",
                    created_at=created,
                    first_response_at=answered,
                    resolved_at=resolved,
                    resolution_seconds=int((resolved - created).total_seconds()),
                )
            )
            session.commit()
        period = Period(date(2026, 11, 6), date(2026, 11, 9), relative=False)
        report = bridge.services.stats.report(period, now=resolved)
        assert report.business_hours
        assert report.first_response.median == timedelta(hours=2)
        assert report.resolution.median == timedelta(hours=3)
        text = seen(ask(bridge, AGENT, "stats 2026-11-06..2026-11-09"))
        assert "First response (business hours)" in text and "Resolution (business hours)" in text
    finally:
        running.stop()
        bridge.services.deps.engine.dispose()
