"""Estimated X spend in dollars from the counted usage, and the monthly budget that caps it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from slackbridge.models import XUsage, utcnow
from slackbridge.services.deps import Deps
from slackbridge.services.ops_notices import OpsNotices
from slackbridge.x.prices import Billed, PriceTable, dollars, read_kind, write_kind

logger = logging.getLogger(__name__)

WARN_SHARE = Decimal("0.8")


@dataclass(frozen=True)
class SpendReport:
    today: Decimal
    month: Decimal
    budget: Decimal | None
    units: dict[Billed, int]  # this month's billed calls by kind

    @property
    def over_budget(self) -> bool:
        return self.budget is not None and self.month >= self.budget

    def line(self) -> str:
        """One line for people: today, this month, and the budget's share when there is one."""
        text = f"Estimated X spend: {dollars(self.today)} today, {dollars(self.month)} this month"
        if self.budget is not None:
            share = int(self.month * 100 / self.budget)
            text += f" ({share}% of the {dollars(self.budget)} monthly budget)"
        return text + "."


def month_key(now: datetime) -> str:
    return now.strftime("%Y-%m")


def usage_units(session: Session, since_day: str, until_day: str) -> dict[Billed, int]:
    rows = session.exec(
        select(XUsage.purpose, func.sum(XUsage.reads), func.sum(XUsage.writes))
        .where(XUsage.day >= since_day, XUsage.day <= until_day)
        .group_by(col(XUsage.purpose))
    ).all()
    units: dict[Billed, int] = {}
    for purpose, reads, writes in rows:
        for kind, count in ((read_kind(purpose), int(reads or 0)), (write_kind(purpose), int(writes or 0))):
            if count:
                units[kind] = units.get(kind, 0) + count
    return units


def cost(units: dict[Billed, int], prices: PriceTable) -> Decimal:
    return sum((prices[kind] * count for kind, count in units.items()), Decimal(0))


def spend_report(session: Session, prices: PriceTable, budget: Decimal | None, now: datetime) -> SpendReport:
    today = now.strftime("%Y-%m-%d")
    month = usage_units(session, now.strftime("%Y-%m-01"), today)
    return SpendReport(
        today=cost(usage_units(session, today, today), prices),
        month=cost(month, prices),
        budget=budget,
        units=month,
    )


class Spend:
    """Reports the spend and enforces the budget: at 80 % a warning, at 100 % listening stops."""

    def __init__(self, deps: Deps, notices: OpsNotices) -> None:
        self.deps = deps
        self.notices = notices

    def report(self, *, now: datetime | None = None) -> SpendReport:
        settings = self.deps.settings
        with self.deps.session() as session:
            return spend_report(session, settings.prices, settings.monthly_budget, now or utcnow())

    def over_budget(self, *, now: datetime | None = None) -> bool:
        return self.deps.settings.monthly_budget is not None and self.report(now=now).over_budget

    def mention_interval(self, *, now: datetime | None = None) -> float:
        """How long the mention poller waits: slower once this month's budget is spent."""
        settings = self.deps.settings
        return settings.over_budget_poll_seconds if self.over_budget(now=now) else settings.poll_seconds

    def check_budget(self, *, now: datetime | None = None) -> str | None:
        """Post the month's 80 % and 100 % notices, each once across processes; the key of one posted."""
        budget = self.deps.settings.monthly_budget
        if budget is None:
            return None
        moment = now or utcnow()
        report = self.report(now=moment)
        month = month_key(moment)
        if report.month >= budget:
            self.notices.silence(f"budget_80:{month}", now=moment)  # the 100 % notice says more
            key = f"budget_100:{month}"
            minutes = self.deps.settings.over_budget_poll_seconds / 60
            text = (
                f":octagonal_sign: *The X budget for {month} is spent* ({report.line()}) Keyword listening "
                f"is paused and mentions are read every {minutes:g} minutes until next month or a higher "
                "SLACKBRIDGE_MONTHLY_BUDGET. Replies and DMs carry on."
            )
            if self.notices.once(key, text, now=moment):
                logger.warning("budget.spent month=%s", month)
                return key
        if report.month >= budget * WARN_SHARE:
            key = f"budget_80:{month}"
            text = (
                f":warning: {self._approvers()} *80 % of the X budget for {month} is used.* {report.line()} "
                "At 100 % keyword listening pauses and mention polling slows down; replies carry on."
            )
            if self.notices.once(key, text, now=moment):
                return key
        return None

    def _approvers(self) -> str:
        entries = self.deps.settings.approvers
        return " ".join(f"<!subteam^{e}>" if e.startswith("S") else f"<@{e}>" for e in entries)
