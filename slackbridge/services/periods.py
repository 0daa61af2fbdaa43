"""The date ranges `/tweetcare stats` understands: `7d`, `today`, `2026-11-01..2026-11-15` (UTC days)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

MAX_DAYS = 366
DEFAULT_DAYS = 7
_LAST = re.compile(r"^(\d{1,4})d$")
_DAY = r"\d{4}-\d{2}-\d{2}"
_RANGE = re.compile(rf"^({_DAY})(?:\.\.({_DAY}))?$")
PERIOD_HELP = "`7d`, `30d`, `today` or a range of days like `2026-11-01..2026-11-15` (UTC, both included)"


class PeriodError(ValueError):
    """A range the stats cannot show; the message says what is accepted."""


@dataclass(frozen=True)
class Period:
    """Whole UTC days from `first` to `last`, both included."""

    first: date
    last: date
    relative: bool = True  # given as "the last N days" (or today), not as dates

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=UTC)

    @property
    def label(self) -> str:
        if self.relative:
            return "Today" if self.days == 1 else f"Last {self.days} days"
        if self.days == 1:
            return f"{self.first:%Y-%m-%d}"
        return f"{self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}"

    @property
    def slug(self) -> str:
        return f"{self.days}d" if self.relative else f"{self.first:%Y%m%d}-{self.last:%Y%m%d}"


def last_days(days: int, today: date) -> Period:
    return Period(today - timedelta(days=days - 1), today)


def parse_period(word: str | None, today: date) -> Period:
    """One word of the command; None is the default (the last 7 days, as before ranges existed)."""
    if word is None:
        return last_days(DEFAULT_DAYS, today)
    word = word.lower()
    if word == "today":
        return last_days(1, today)
    if found := _LAST.match(word):
        days = int(found.group(1))
        if not 1 <= days <= MAX_DAYS:
            raise PeriodError(f"Choose between 1d and {MAX_DAYS}d.")
        return last_days(days, today)
    if found := _RANGE.match(word):
        try:
            first = date.fromisoformat(found.group(1))
            last = date.fromisoformat(found.group(2) or found.group(1))
        except ValueError:
            raise PeriodError(f"{word} is not a real date: use {PERIOD_HELP}.") from None
        if last < first:
            raise PeriodError(f"The range {word} ends before it starts.")
        if (last - first).days + 1 > MAX_DAYS:
            raise PeriodError(f"A range may span at most {MAX_DAYS} days.")
        return Period(first, last, relative=False)
    raise PeriodError(f"Use {PERIOD_HELP}.")
