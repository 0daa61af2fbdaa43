"""The stats chart: what a person sees in the image, read back from its SVG text."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from slackbridge.services.charts import render_report
from slackbridge.services.stats import Durations, Report


def _report(**overrides: object) -> Report:
    days = [date(2026, 11, 20) + timedelta(days=n) for n in range(3)]
    fields: dict[str, object] = {
        "days": 3,
        "since": datetime(2026, 11, 20, tzinfo=UTC),
        "volume": {d: Counter({"complaint": 2, "question": n}) for n, d in enumerate(days)},
        "first_response": Durations(5, timedelta(minutes=12), timedelta(minutes=48)),
        "approval": Durations(5, timedelta(minutes=3), timedelta(minutes=9)),
        "replies_by_agent": [("U0ALEX", 7), ("U0MARIA", 2)],
        "reads_by_day": {days[0]: 40},
        "reads_today": 0,
        "read_budget": 500,
        "total_cases": 9,
        "categories": ["complaint", "question"],
        "resolution": Durations(4, timedelta(hours=2), timedelta(hours=9)),
        "backlog_by_day": {d: 3 + n for n, d in enumerate(days)},
        "within_target_by_day": {days[0]: 50.0, days[2]: 100.0},
    }
    fields.update(overrides)
    return Report(**fields)  # type: ignore[arg-type]


def test_the_chart_shows_volume_reads_writers_and_response_times() -> None:
    svg = render_report(_report(), {"U0ALEX": "Alex Doe", "U0MARIA": "Maria"}, fmt="svg").decode()
    for words in (
        "New cases per day, last 3 days",
        "X reads per day",
        "daily read budget",
        "Replies sent, by writer",
        "Alex Doe",
        "Maria",
        "Response and resolution times (minutes)",
        "first response",
        "resolution",
        "approval",
        "Backlog at the end of each day, and first responses within target",
        "unresolved cases",
        "% within target",
        "90th percentile",
    ):
        assert words in svg, words
    assert "U0ALEX" not in svg  # people are shown by name, not by Slack id


def test_a_quiet_period_says_so_instead_of_drawing_empty_axes() -> None:
    quiet = _report(
        replies_by_agent=[],
        first_response=Durations(0, None, None),
        approval=Durations(0, None, None),
        resolution=Durations(0, None, None),
    )
    svg = render_report(quiet, fmt="svg").decode()
    assert svg.count("no replies sent yet") == 2
    png = render_report(quiet)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
