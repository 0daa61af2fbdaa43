"""The arithmetic behind the stats, on plain rows: the same figures whatever database the rows came from."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Durations:
    count: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class Target:
    """First responses within target for one category (or all): met out of those whose target has passed."""

    category: str
    met: int
    measured: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.met / self.measured if self.measured else None


@dataclass(frozen=True)
class Backlog:
    """Cases waiting on us now, and how long they have waited."""

    count: int
    oldest: timedelta | None
    median: timedelta | None


def durations(values: Iterable[timedelta]) -> Durations:
    seconds = sorted(v.total_seconds() for v in values)
    if not seconds:
        return Durations(0, None, None)
    p90 = seconds[math.ceil(0.9 * len(seconds)) - 1]  # nearest-rank percentile
    return Durations(len(seconds), timedelta(seconds=statistics.median(seconds)), timedelta(seconds=p90))


def target_met(first_response: datetime | None, due: datetime | None, now: datetime) -> bool | None:
    """True or False once known; None when there is no target or it has not passed without a reply yet."""
    if due is None:
        return None
    if first_response is not None:
        return first_response <= due
    return False if now > due else None


def targets(
    rows: Iterable[tuple[str | None, datetime | None, datetime | None]], now: datetime
) -> list[Target]:
    """(category, first response, due) rows: one line per category, the busiest first, then "all"."""
    met: dict[str, int] = defaultdict(int)
    measured: dict[str, int] = defaultdict(int)
    for category, first_response, due in rows:
        verdict = target_met(first_response, due, now)
        if verdict is None:
            continue
        for key in (category or "uncategorised", ""):
            measured[key] += 1
            met[key] += int(verdict)
    lines = [Target(c, met[c], n) for c, n in measured.items() if c]
    lines.sort(key=lambda t: (-t.measured, t.category))
    if measured[""]:
        lines.append(Target("all", met[""], measured[""]))
    return lines


def backlog(waiting_since: Iterable[datetime], now: datetime) -> Backlog:
    ages = sorted(max(timedelta(0), now - since) for since in waiting_since)
    if not ages:
        return Backlog(0, None, None)
    return Backlog(len(ages), ages[-1], timedelta(seconds=statistics.median(a.total_seconds() for a in ages)))


def backlog_by_day(
    rows: Iterable[tuple[datetime, datetime | None]], days: list[date], now: datetime
) -> dict[date, int]:
    """Unresolved cases at the end of each day (or now, for today), from (created, resolved) times."""
    rows = list(rows)
    counts: dict[date, int] = {}
    for day in days:
        edge = min(now, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo))
        counts[day] = sum(
            1 for created, resolved in rows if created < edge and (resolved is None or resolved >= edge)
        )
    return counts


def within_target_by_day(
    rows: Iterable[tuple[datetime, datetime | None, datetime | None]], now: datetime
) -> dict[date, float]:
    """% of first responses within target per day the case was opened, for days with a known verdict."""
    met: dict[date, int] = defaultdict(int)
    measured: dict[date, int] = defaultdict(int)
    for created, first_response, due in rows:
        verdict = target_met(first_response, due, now)
        if verdict is not None:
            measured[created.date()] += 1
            met[created.date()] += int(verdict)
    return {day: 100.0 * met[day] / n for day, n in sorted(measured.items())}
