"""Service-level targets and the business-hours clock: pure parsing and date arithmetic, no I/O.

The clock runs only inside business hours (in their own time zone, so DST shifts are the zone's) and never
on holidays; a target of 30m therefore means 30 minutes of open time after the customer wrote.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slackbridge.triage.types import Category, Urgency

UNITS = {"s": 1, "m": 60, "h": 3600}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
URGENCY_ALIASES = {"urgent": Urgency.HIGH.value}  # `urgent=10m` reads better than `high=10m`
DUE_SOON = 0.75  # share of the target after which a case is "due soon" and its owner reminded
MAX_DAYS_AHEAD = 800  # no open time within this many days: a configuration that can never be met

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class SlaConfigError(ValueError):
    """A malformed SLA, business-hours or holidays value; the message says what is wrong."""


def parse_duration(text: str) -> int:
    """`30m`, `2h`, `90s`, `1h30m` as seconds (units s, m, h); SlaConfigError otherwise."""
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise SlaConfigError(f"{text.strip()!r} is not a duration like 30m, 2h or 90s")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise SlaConfigError(f"{text.strip()!r} must be longer than zero")
    return total


def format_duration(seconds: int) -> str:
    """The shortest way to write a target back: 1800 -> 30m, 5400 -> 1h30m."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"


@dataclass(frozen=True)
class Targets:
    """Response targets by category and urgency; the most specific match wins:
    `category+urgency` > urgency > category > default."""

    by_key: Mapping[str, int] = field(default_factory=dict)

    def for_case(self, category: str | None, urgency: str | None) -> int | None:
        candidates = []
        if category and urgency:
            candidates.append(f"{category}+{urgency}")
        candidates += [urgency or "", category or "", "default"]
        for key in candidates:
            if key in self.by_key:
                return self.by_key[key]
        return None

    def __bool__(self) -> bool:
        return bool(self.by_key)


def _target_key(raw: str) -> str:
    categories = {c.value for c in Category}
    urgencies = {u.value for u in Urgency}

    def one(part: str, allowed: set[str]) -> str | None:
        part = URGENCY_ALIASES.get(part, part)
        return part if part in allowed else None

    key = raw.strip().lower()
    if key == "default":
        return key
    if "+" in key:
        category, _, urgency = key.partition("+")
        cat, urg = one(category.strip(), categories), one(urgency.strip(), urgencies)
        if cat and urg:
            return f"{cat}+{urg}"
    else:
        found = one(key, urgencies) or one(key, categories)
        if found:
            return found
    raise SlaConfigError(
        f"{raw.strip()!r} is not a target key: use default, a category ({', '.join(sorted(categories))}), "
        f"an urgency ({', '.join(sorted(urgencies | set(URGENCY_ALIASES)))}) or category+urgency"
    )


def parse_targets(text: str) -> Targets:
    """`default=2h,complaint=30m,urgent=10m`; a bare `2h` is the default target."""
    by_key: dict[str, int] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep:
            key, value = "default", item
        by_key[_target_key(key)] = parse_duration(value)
    if not by_key:
        raise SlaConfigError("no targets given; write e.g. default=2h,complaint=30m")
    return Targets(by_key)


@dataclass(frozen=True)
class BusinessHours:
    """Weekly open ranges (minutes from local midnight, per weekday 0=Mon) in one zone, minus holidays.
    The default is always open (UTC, every day, all day)."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    week: tuple[tuple[tuple[int, int], ...], ...] = tuple(((0, 1440),) for _ in range(7))
    holidays: frozenset[date] = frozenset()

    def with_holidays(self, holidays: frozenset[date]) -> BusinessHours:
        return BusinessHours(self.zone, self.week, holidays)

    def intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals in UTC, in order and not overlapping, from the local day before `start` on."""
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last_end: datetime | None = None
        for _ in range(MAX_DAYS_AHEAD):
            if day not in self.holidays:
                for begin, end in self.week[day.weekday()]:
                    a, b = self._utc(day, begin), self._utc(day, end)
                    if last_end is not None:
                        a = max(a, last_end)  # overlapping ranges count once
                    if b > a:
                        last_end = b
                        yield a, b
            day += timedelta(days=1)
        raise SlaConfigError(f"business hours never open within {MAX_DAYS_AHEAD} days")

    def _utc(self, day: date, minute: int) -> datetime:
        if minute >= 1440:
            day, minute = day + timedelta(days=1), minute - 1440
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone)
        # A wall time skipped by a DST jump maps to the instant after the jump: round trip it.
        return local.astimezone(UTC)

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant `seconds` of business time after `start`."""
        remaining = timedelta(seconds=seconds)
        if remaining <= timedelta(0):
            return start
        for a, b in self.intervals(start):
            if b <= start:
                continue
            begin = max(a, start)
            if remaining <= b - begin:
                return begin + remaining
            remaining -= b - begin
        raise AssertionError("unreachable: intervals() raises first")  # pragma: no cover

    def between(self, a: datetime, b: datetime) -> float:
        """Business seconds from `a` to `b` (0 when b is not after a)."""
        if b <= a:
            return 0.0
        total = timedelta(0)
        for start, end in self.intervals(a):
            if start >= b:
                break
            overlap = min(end, b) - max(start, a)
            if overlap > timedelta(0):
                total += overlap
        return total.total_seconds()

    def tomorrow_at(self, now: datetime, hour: int = 9) -> datetime:
        """Tomorrow at `hour`:00 local time in the business-hours zone (a snooze's usual end)."""
        day = now.astimezone(self.zone).date() + timedelta(days=1)
        return datetime.combine(day, time(hour), tzinfo=self.zone).astimezone(UTC)


def _days(spec: str) -> list[int]:
    first, sep, last = spec.lower().partition("-")
    if first[:3] not in DAYS or (sep and last[:3] not in DAYS):
        raise SlaConfigError(f"{spec!r} is not a day or day range like Mon-Fri")
    start = DAYS.index(first[:3])
    end = DAYS.index(last[:3]) if sep else start
    return [(start + i) % 7 for i in range((end - start) % 7 + 1)]


def _minutes(hour: str, minute: str, *, end: bool) -> int:
    value = int(hour) * 60 + int(minute)
    if int(minute) > 59 or value > 1440 or (value == 1440 and not end):
        raise SlaConfigError(f"{hour}:{minute} is not a time of day")
    return value


def parse_business_hours(text: str) -> BusinessHours:
    """`Mon-Fri 09:00-18:00, Sat 10:00-14:00 Europe/Berlin` (the zone last; UTC when left out)."""
    tokens = text.replace(",", " , ").split()
    zone = ZoneInfo("UTC")
    last = tokens[-1] if tokens else ","
    if last != "," and not _RANGE.match(last) and (last.lower()[:3] not in DAYS or "/" in last):
        try:
            zone = ZoneInfo(last)
        except (ZoneInfoNotFoundError, ValueError):
            raise SlaConfigError(f"{last!r} is not a time zone like Europe/Berlin") from None
        tokens = tokens[:-1]
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    groups = " ".join(tokens).split(",")
    for group in groups:
        words = group.split()
        if not words:
            continue
        if len(words) < 2:
            raise SlaConfigError(f"{group.strip()!r} needs days and hours, like Mon-Fri 09:00-18:00")
        days = _days(words[0])
        for word in words[1:]:
            match = _RANGE.match(word)
            if match is None:
                raise SlaConfigError(f"{word!r} is not a time range like 09:00-18:00")
            begin = _minutes(match[1], match[2], end=False)
            end = _minutes(match[3], match[4], end=True)
            if end <= begin:
                raise SlaConfigError(f"{word!r} ends before it starts")
            for day in days:
                week[day].append((begin, end))
    if not any(week):
        raise SlaConfigError("no open hours given; write e.g. Mon-Fri 09:00-18:00 Europe/Berlin")
    return BusinessHours(zone, tuple(tuple(sorted(day)) for day in week))


def parse_holidays(text: str) -> frozenset[date]:
    """`2026-12-24,2026-12-25` as dates (whole local days in the business-hours zone)."""
    days: set[date] = set()
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            days.add(date.fromisoformat(item))
        except ValueError:
            raise SlaConfigError(f"{item!r} is not a date like 2026-12-24") from None
    return frozenset(days)


@dataclass(frozen=True)
class Due:
    """When a turn is due soon (the reminder) and due (the breach), and its target in business seconds."""

    soon_at: datetime
    due_at: datetime
    target: int


@dataclass(frozen=True)
class SlaPolicy:
    """First-response and next-response targets on one business-hours clock."""

    first: Targets = field(default_factory=Targets)
    next: Targets = field(default_factory=Targets)
    hours: BusinessHours = field(default_factory=BusinessHours)

    def target(self, category: str | None, urgency: str | None, *, first: bool) -> int | None:
        """Business seconds allowed for this turn (next-response targets fall back to first-response)."""
        return (self.first if first else self.next or self.first).for_case(category, urgency)

    def due(self, start: datetime, category: str | None, urgency: str | None, *, first: bool) -> Due | None:
        """The turn's due times, counted from when the customer wrote; None when no target applies."""
        target = self.target(category, urgency, first=first)
        if target is None:
            return None
        soon = self.hours.add(start, math.ceil(target * DUE_SOON))
        return Due(soon_at=soon, due_at=self.hours.add(start, target), target=target)
