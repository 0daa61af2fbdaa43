"""How the team is doing: volume, response and approval times, replies per person, X reads against budget."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from slackbridge.models import Case, CaseSource, CaseStatus, Draft, DraftStatus, XUsage, utcnow
from slackbridge.services.deps import Deps
from slackbridge.services.listening import reads_today
from slackbridge.services.spend import spend_report


@dataclass(frozen=True)
class Durations:
    count: int
    median: timedelta | None
    p90: timedelta | None


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
    # Operations: estimated X spend today and this month, in one line
    spend: str = ""


@dataclass(frozen=True)
class Today:
    new_cases: int
    replies_sent: int
    open_cases: int
    reads: int
    read_budget: int
    # Operations: estimated X spend today and this month, in one line
    spend: str = ""


def durations(values: list[timedelta]) -> Durations:
    if not values:
        return Durations(0, None, None)
    seconds = sorted(v.total_seconds() for v in values)
    p90 = seconds[math.ceil(0.9 * len(seconds)) - 1]  # nearest-rank percentile
    return Durations(len(seconds), timedelta(seconds=statistics.median(seconds)), timedelta(seconds=p90))


class Stats:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def report(self, days: int) -> Report:
        now = utcnow()
        since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
        with self.deps.session() as session:
            cases = session.exec(
                select(Case.created_at, Case.category, Case.first_response_at).where(
                    col(Case.created_at) >= since, Case.source != CaseSource.LISTEN
                )
            ).all()
            approvals = session.exec(
                select(Draft.created_at, Draft.approved_at).where(col(Draft.approved_at) >= since)
            ).all()
            agents = session.exec(
                select(Draft.author_id, func.count())
                .where(Draft.status == DraftStatus.SENT, col(Draft.sent_at) >= since)
                .group_by(col(Draft.author_id))
                .order_by(func.count().desc())
            ).all()
            usage = session.exec(
                select(XUsage.day, func.sum(XUsage.reads))
                .where(XUsage.day >= since.strftime("%Y-%m-%d"))
                .group_by(col(XUsage.day))
            ).all()
            today_reads = reads_today(session)
            spend = self._spend(session, now)
        volume: dict[date, Counter[str]] = defaultdict(Counter)
        for offset in range(days):
            volume[(since + timedelta(days=offset)).date()] = Counter()
        for created, category, _ in cases:
            volume[created.date()][category or "uncategorised"] += 1
        categories = sorted({c for counter in volume.values() for c in counter})
        return Report(
            days=days,
            since=since,
            volume=dict(sorted(volume.items())),
            first_response=durations([r - c for c, _, r in cases if r is not None]),
            approval=durations([a - c for c, a in approvals if a is not None]),
            replies_by_agent=[(author, int(n)) for author, n in agents],
            reads_by_day={date.fromisoformat(day): int(n or 0) for day, n in usage},
            reads_today=today_reads,
            read_budget=self.deps.settings.daily_read_budget,
            total_cases=len(cases),
            categories=categories,
            spend=spend,
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

    def _spend(self, session: Session, now: datetime) -> str:
        settings = self.deps.settings
        return spend_report(session, settings.prices, settings.monthly_budget, now).line()
