"""How the team is doing: volume, response and resolution times against targets, the backlog, each person's
share, outcomes and satisfaction, X reads against budget; for any range of days."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from slackbridge.models import (
    AuditAction,
    AuditLog,
    Case,
    CaseSource,
    CaseStatus,
    Draft,
    DraftStatus,
    XUsage,
    utcnow,
)
from slackbridge.services import figures
from slackbridge.services.audit import SYSTEM
from slackbridge.services.deps import Deps
from slackbridge.services.dm_stats import DmStats, dm_stats
from slackbridge.services.figures import Backlog, Durations, Target, durations
from slackbridge.services.listening import reads_today
from slackbridge.services.periods import Period, last_days
from slackbridge.services.sla import BusinessHours
from slackbridge.services.spend import spend_report

__all__ = ["AgentLine", "Durations", "Report", "Stats", "Today", "durations"]

NO_OUTCOME = "none given"


@dataclass(frozen=True)
class AgentLine:
    """One person's share: replies sent, and the times of the cases they answered first or resolved."""

    agent: str
    replies: int
    first_response: Durations
    resolution: Durations


@dataclass(frozen=True)
class Report:
    days: int
    since: datetime
    volume: dict[date, Counter[str]]  # day -> category -> new cases
    first_response: Durations
    approval: Durations
    replies_by_agent: list[tuple[str, int]]
    reads_by_day: dict[date, int]
    reads_today: int
    read_budget: int
    total_cases: int = 0
    categories: list[str] = field(default_factory=list)
    # outcomes and stats
    period: Period | None = None
    targets: list[Target] = field(default_factory=list)  # by category, then "all"
    resolution: Durations = field(default_factory=lambda: Durations(0, None, None))
    backlog: Backlog = field(default_factory=lambda: Backlog(0, None, None))
    agents: list[AgentLine] = field(default_factory=list)
    outcomes: list[tuple[str, int]] = field(default_factory=list)  # most frequent first
    csat_average: float | None = None
    csat_count: int = 0
    backlog_by_day: dict[date, int] = field(default_factory=dict)
    within_target_by_day: dict[date, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.period.label if self.period else f"Last {self.days} days"

    # Direct messages (issue 8): DM cases are counted apart from the public ones above
    dms: DmStats | None = None
    # Operations: estimated X spend today and this month, in one line
    spend: str = ""
    # response and resolution times count business hours only (SLACKBRIDGE_BUSINESS_HOURS is set)
    business_hours: bool = False


@dataclass(frozen=True)
class Today:
    new_cases: int
    replies_sent: int
    open_cases: int
    reads: int
    read_budget: int
    # Operations: estimated X spend today and this month, in one line
    spend: str = ""


def _not_listening() -> sa.ColumnElement[bool]:
    """Public cases: listening hits wait on nobody, and DM cases are counted apart (`Report.dms`)."""
    return col(Case.source).not_in([CaseSource.LISTEN, CaseSource.DM])


class Stats:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def report(self, period: Period | int, *, now: datetime | None = None) -> Report:
        """The figures for a period (or the last N days); `now` for the backlog's age and pending targets."""
        now = now or utcnow()
        if isinstance(period, int):
            period = last_days(period, now.date())
        start, end = period.start, period.end
        with self.deps.session() as session:
            cases = session.execute(
                sa.select(
                    col(Case.id),
                    col(Case.created_at),
                    col(Case.category),
                    col(Case.first_response_at),
                    col(Case.first_due_at),
                ).where(col(Case.created_at) >= start, col(Case.created_at) < end, _not_listening())
            ).all()
            resolved = session.execute(
                sa.select(
                    col(Case.id),
                    col(Case.created_at),
                    col(Case.resolved_at),
                    col(Case.resolution_seconds),
                    col(Case.outcome),
                ).where(
                    col(Case.status) == CaseStatus.RESOLVED,
                    col(Case.resolved_at) >= start,
                    col(Case.resolved_at) < end,
                    _not_listening(),
                )
            ).all()
            csat = session.exec(
                select(Case.csat_score).where(
                    col(Case.resolved_at) >= start,
                    col(Case.resolved_at) < end,
                    col(Case.csat_score).is_not(None),
                )
            ).all()
            approvals = session.exec(
                select(Draft.created_at, Draft.approved_at).where(
                    col(Draft.approved_at) >= start, col(Draft.approved_at) < end
                )
            ).all()
            opened_here = select(Case.id).where(col(Case.created_at) >= start, col(Case.created_at) < end)
            sent = session.execute(
                sa.select(col(Draft.author_id), col(Draft.case_id), col(Draft.sent_at)).where(
                    col(Draft.status) == DraftStatus.SENT,
                    col(Draft.sent_at).is_not(None),
                    (col(Draft.sent_at) >= start) & (col(Draft.sent_at) < end)
                    | col(Draft.case_id).in_(opened_here),
                )
            ).all()
            waiting = session.exec(
                select(Case.waiting_since, Case.updated_at).where(
                    Case.status == CaseStatus.OPEN, _not_listening()
                )
            ).all()
            spans = session.exec(
                select(Case.created_at, Case.resolved_at).where(
                    col(Case.created_at) < end,
                    _not_listening(),
                    (col(Case.resolved_at).is_(None)) | (col(Case.resolved_at) >= start),
                )
            ).all()
            resolvers = _resolvers(session, [row[0] for row in resolved if row[0] is not None])
            usage = session.exec(
                select(XUsage.day, func.sum(XUsage.reads))
                .where(XUsage.day >= start.strftime("%Y-%m-%d"), XUsage.day < end.strftime("%Y-%m-%d"))
                .group_by(col(XUsage.day))
            ).all()
            today_reads = reads_today(session)
            spend = self._spend(session, now)
            dms = dm_stats(session, since=start, until=end)
        volume: dict[date, Counter[str]] = {
            period.first + timedelta(days=offset): Counter() for offset in range(period.days)
        }
        for _, created, category, _, _ in cases:
            volume[created.date()][category or "uncategorised"] += 1
        categories = sorted({c for counter in volume.values() for c in counter})
        clock = self._business_hours()
        if clock is None:
            took = {case_id: _took(created, done, seconds) for case_id, created, done, seconds, _ in resolved}
        else:  # inside business hours only, as the service-level clock counts
            took = {
                case_id: _span(clock, created, done or created) for case_id, created, done, _, _ in resolved
            }
        replies = Counter(author for author, _, at in sent if at is not None and start <= at < end)
        first_case_ids = {row[0] for row in cases}
        first_by = _first_authors(sent, first_case_ids)
        response = {
            case_id: _span(clock, c, r)
            for case_id, c, _, r, _ in cases
            if r is not None and case_id is not None
        }
        outcomes = Counter((outcome or NO_OUTCOME) for *_, outcome in resolved)
        scores = [int(s) for s in csat if s is not None]
        return Report(
            days=period.days,
            since=start,
            volume=volume,
            first_response=durations(response.values()),
            approval=durations([a - c for c, a in approvals if a is not None]),
            replies_by_agent=sorted(replies.items(), key=lambda i: (-i[1], i[0])),
            reads_by_day={date.fromisoformat(day): int(n or 0) for day, n in usage},
            reads_today=today_reads,
            read_budget=self.deps.settings.daily_read_budget,
            total_cases=len(cases),
            categories=categories,
            period=period,
            targets=figures.targets(((c, r, due) for _, _, c, r, due in cases), now),
            resolution=durations(took.values()),
            backlog=figures.backlog((w or u for w, u in waiting), now),
            agents=_agents(replies, first_by, response, resolvers, took),
            outcomes=sorted(outcomes.items(), key=lambda i: (-i[1], i[0])),
            csat_average=statistics.fmean(scores) if scores else None,
            csat_count=len(scores),
            backlog_by_day=figures.backlog_by_day(spans, list(volume), now),
            within_target_by_day=figures.within_target_by_day(
                ((c, r, due) for _, c, _, r, due in cases), now
            ),
            dms=dms if dms.cases or dms.csat_count else None,
            spend=spend,
            business_hours=clock is not None,
        )

    def today(self) -> Today:
        start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        with self.deps.session() as session:
            new_cases = session.exec(
                select(func.count())
                .select_from(Case)
                .where(col(Case.created_at) >= start, Case.source != CaseSource.LISTEN)
            ).one()
            sent = session.exec(
                select(func.count())
                .select_from(Draft)
                .where(Draft.status == DraftStatus.SENT, col(Draft.sent_at) >= start)
            ).one()
            open_cases = session.exec(
                select(func.count())
                .select_from(Case)
                .where(Case.status == CaseStatus.OPEN, Case.source != CaseSource.LISTEN)
            ).one()
            reads = reads_today(session)
            spend = self._spend(session, utcnow())
        return Today(
            int(new_cases), int(sent), int(open_cases), reads, self.deps.settings.daily_read_budget, spend
        )

    def _business_hours(self) -> BusinessHours | None:
        """The service-level clock when it is not always open: times are then counted as it counts them."""
        sla = self.deps.settings.sla
        return sla.hours if sla is not None and sla.hours != BusinessHours() else None

    def _spend(self, session: Session, now: datetime) -> str:
        settings = self.deps.settings
        return spend_report(session, settings.prices, settings.monthly_budget, now).line()


def _span(clock: BusinessHours | None, start: datetime, end: datetime) -> timedelta:
    """Elapsed time, or the business time in between when business hours are set."""
    return end - start if clock is None else timedelta(seconds=clock.between(start, end))


def _took(created: datetime, resolved: datetime | None, seconds: int | None) -> timedelta:
    """Time to resolution as stored on resolve; for cases resolved before it was stored, from the times."""
    if seconds is not None:
        return timedelta(seconds=seconds)
    return max(timedelta(0), (resolved or created) - created)


def _resolvers(session: Session, case_ids: list[int]) -> dict[int, str]:
    """Who resolved each case last (people only: automatic resolves credit no one)."""
    found: dict[int, str] = {}
    for start in range(0, len(case_ids), 500):
        rows = session.exec(
            select(AuditLog.case_id, AuditLog.actor)
            .where(
                AuditLog.action == AuditAction.CASE_RESOLVED,
                col(AuditLog.case_id).in_(case_ids[start : start + 500]),
            )
            .order_by(col(AuditLog.id))
        ).all()
        for case_id, actor in rows:
            if case_id is not None:
                found[case_id] = actor
    return {case_id: actor for case_id, actor in found.items() if actor != SYSTEM}


def _first_authors(
    sent: Sequence[tuple[str, int, datetime | None]], case_ids: set[int | None]
) -> dict[int, str]:
    """The author of each case's first reply on X: the first response is theirs."""
    first: dict[int, tuple[datetime, str]] = {}
    for author, case_id, sent_at in sent:
        if (
            case_id in case_ids
            and sent_at is not None
            and (case_id not in first or sent_at < first[case_id][0])
        ):
            first[case_id] = (sent_at, author)
    return {case_id: author for case_id, (_, author) in first.items()}


def _agents(
    replies: Counter[str],
    first_by: dict[int, str],
    response: dict[int, timedelta],
    resolvers: dict[int, str],
    took: dict[int | None, timedelta],
) -> list[AgentLine]:
    firsts: dict[str, list[timedelta]] = defaultdict(list)
    for case_id, author in first_by.items():
        if case_id in response:
            firsts[author].append(response[case_id])
    resolutions: dict[str, list[timedelta]] = defaultdict(list)
    for case_id, actor in resolvers.items():
        if case_id in took:
            resolutions[actor].append(took[case_id])
    people = set(replies) | set(firsts) | set(resolutions)
    lines = [
        AgentLine(p, replies.get(p, 0), durations(firsts.get(p, [])), durations(resolutions.get(p, [])))
        for p in people
    ]
    return sorted(lines, key=lambda a: (-a.replies, -a.resolution.count, a.agent))
