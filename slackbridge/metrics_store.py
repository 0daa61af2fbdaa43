"""Figures that live in the store, read at scrape time so any process answers the same."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import Session, col, select

from slackbridge.models import (
    Case,
    CaseStatus,
    Draft,
    DraftStatus,
    SlackSurface,
    Tweet,
    TweetSource,
    XUsage,
    utcnow,
)
from slackbridge.services.deps import Deps
from slackbridge.services.spend import spend_report

logger = logging.getLogger(__name__)


class StoreCollector(Collector):
    """Counts and ages computed from the store on every scrape (a handful of aggregate queries)."""

    def __init__(self, deps: Deps, clock: Callable[[], datetime] = utcnow) -> None:
        self.deps = deps
        self.clock = clock

    def collect(self) -> Iterable[Metric]:
        now = self.clock()
        try:
            with Session(self.deps.engine) as session:
                return list(self._collect(session, now))
        except Exception:  # a scrape must answer even with the store down; /healthz says why
            logger.exception("metrics.store_unavailable")
            up = GaugeMetricFamily("slackbridge_store_up", "1 when the store answered this scrape.")
            up.add_metric([], 0)
            return [up]

    def _collect(self, session: Session, now: datetime) -> Iterable[Metric]:
        up = GaugeMetricFamily("slackbridge_store_up", "1 when the store answered this scrape.")
        up.add_metric([], 1)
        yield up

        mentions = session.exec(
            select(func.count(), func.max(Tweet.created_at)).where(Tweet.source == TweetSource.MENTION)
        ).one()
        yield _counter("slackbridge_mentions_ingested", "Mentions of the brand stored.", mentions[0])
        lag = GaugeMetricFamily(
            "slackbridge_poll_lag_seconds", "Now minus the time of the newest mention stored."
        )
        if mentions[1] is not None:
            lag.add_metric([], max(0.0, (now - _utc(mentions[1])).total_seconds()))
        yield lag

        cards = session.exec(
            select(func.count())
            .select_from(SlackSurface)
            .where(col(SlackSurface.key).like("card:%"), col(SlackSurface.ts).is_not(None))
        ).one()
        yield _counter("slackbridge_cards_posted", "Case cards posted in Slack.", cards)

        drafts = CounterMetricFamily(
            "slackbridge_drafts",
            "Reply drafts by origin (human, ai, saved) and outcome.",
            labels=["origin", "outcome"],
        )
        sent = 0
        for origin, status, count in session.exec(
            select(Draft.origin, Draft.status, func.count()).group_by(col(Draft.origin), col(Draft.status))
        ).all():
            drafts.add_metric([str(origin), str(status)], count)
            sent += count if status == DraftStatus.SENT else 0
        yield drafts
        yield _counter("slackbridge_x_posts", "Replies posted on X.", sent)

        open_cases = session.exec(
            select(func.count(), func.min(Case.waiting_since)).where(Case.status == CaseStatus.OPEN)
        ).one()
        backlog = GaugeMetricFamily("slackbridge_open_cases", "Cases waiting on the team.")
        backlog.add_metric([], open_cases[0])
        yield backlog
        oldest = GaugeMetricFamily(
            "slackbridge_oldest_unanswered_seconds",
            "Age of the longest-waiting unanswered case (0 when none).",
        )
        waited = (now - _utc(open_cases[1])).total_seconds() if open_cases[1] is not None else 0.0
        oldest.add_metric([], max(0.0, waited))
        yield oldest

        usage = CounterMetricFamily(
            "slackbridge_x_usage", "Posts read and written on X, by purpose.", labels=["purpose", "direction"]
        )
        for purpose, reads, writes in session.exec(
            select(XUsage.purpose, func.sum(XUsage.reads), func.sum(XUsage.writes)).group_by(
                col(XUsage.purpose)
            )
        ).all():
            usage.add_metric([purpose, "read"], int(reads or 0))
            usage.add_metric([purpose, "write"], int(writes or 0))
        yield usage

        settings = self.deps.settings
        report = spend_report(session, settings.prices, settings.monthly_budget, now)
        spend = GaugeMetricFamily(
            "slackbridge_x_spend_dollars", "Estimated X spend in US dollars.", labels=["period"]
        )
        spend.add_metric(["today"], float(report.today))
        spend.add_metric(["month"], float(report.month))
        yield spend
        billed = GaugeMetricFamily(
            "slackbridge_x_billed_calls", "X calls billed this month, by kind of call.", labels=["kind"]
        )
        for kind, count in sorted(report.units.items()):
            billed.add_metric([kind.value], count)
        yield billed
        if report.budget is not None:
            budget = GaugeMetricFamily("slackbridge_x_budget_dollars", "SLACKBRIDGE_MONTHLY_BUDGET.")
            budget.add_metric([], float(report.budget))
            yield budget


def _counter(name: str, documentation: str, value: int) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


def _utc(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
