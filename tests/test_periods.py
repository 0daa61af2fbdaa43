"""The ranges `/tweetcare stats` accepts, as whole UTC days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from slackbridge.services.periods import Period, PeriodError, parse_period

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("word", "first", "last", "label"),
    [
        (None, date(2026, 11, 23), TODAY, "Last 7 days"),
        ("7d", date(2026, 11, 23), TODAY, "Last 7 days"),
        ("30D", date(2026, 10, 31), TODAY, "Last 30 days"),
        ("1d", TODAY, TODAY, "Today"),
        ("today", TODAY, TODAY, "Today"),
        ("2026-11-01..2026-11-15", date(2026, 11, 1), date(2026, 11, 15), "2026-11-01 to 2026-11-15"),
        ("2026-11-01", date(2026, 11, 1), date(2026, 11, 1), "2026-11-01"),
        ("2024-02-29..2024-03-01", date(2024, 2, 29), date(2024, 3, 1), "2024-02-29 to 2024-03-01"),
    ],
)
def test_ranges(word: str | None, first: date, last: date, label: str) -> None:
    period = parse_period(word, TODAY)
    assert (period.first, period.last, period.label) == (first, last, label)


def test_a_range_covers_whole_utc_days_with_an_exclusive_end() -> None:
    period = Period(date(2026, 11, 1), date(2026, 11, 15), relative=False)
    assert period.days == 15
    assert period.start == datetime(2026, 11, 1, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("word", "says"),
    [
        ("0d", "between 1d and 366d"),
        ("367d", "between 1d and 366d"),
        ("2026-02-30", "not a real date"),
        ("2026-11-15..2026-11-01", "ends before it starts"),
        ("2024-01-01..2026-01-01", "at most 366 days"),
        ("last-week", "2026-11-01..2026-11-15"),
        ("2026-11-01...2026-11-02", "2026-11-01..2026-11-15"),
    ],
)
def test_bad_ranges_say_what_is_accepted(word: str, says: str) -> None:
    with pytest.raises(PeriodError, match=says.replace(".", r"\.")):
        parse_period(word, TODAY)
