"""DM cases in the stats: counted apart from public cases, with their own first-response time and CSAT."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from slackbridge.models import Case, CaseSource
from slackbridge.services.csat import csat_summary

if TYPE_CHECKING:
    from slackbridge.services.stats import Durations


@dataclass(frozen=True)
class DmStats:
    cases: int
    first_response: Durations
    csat_average: float | None
    csat_count: int


def dm_stats(session: Session, *, since: datetime, until: datetime) -> DmStats:
    from slackbridge.services.stats import durations

    rows = session.exec(
        select(Case.created_at, Case.first_response_at).where(
            col(Case.created_at) >= since, col(Case.created_at) < until, Case.source == CaseSource.DM
        )
    ).all()
    responses: list[timedelta] = [r - c for c, r in rows if r is not None]
    average, count = csat_summary(session, since=since, until=until)
    return DmStats(len(rows), durations(responses), average, count)
