"""The business-hours clock and target parsing: weekends, ranges, holidays, DST, and every malformed value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slackbridge.config import ConfigError, load_settings
from slackbridge.services.sla import (
    BusinessHours,
    SlaConfigError,
    SlaPolicy,
    format_duration,
    parse_business_hours,
    parse_duration,
    parse_holidays,
    parse_targets,
)

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


OFFICE = parse_business_hours("Mon-Fri 09:00-18:00 Europe/Berlin")


# -- durations and targets --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("2h", 7200), ("90s", 90), ("1h30m", 5400)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("text", ["", "30", "m", "30 minutes", "0m", "-5m", "2d", "1.5h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(SlaConfigError):
        parse_duration(text)


def test_most_specific_target_wins() -> None:
    targets = parse_targets("default=2h, complaint=30m, urgent=10m, question+high=5m")
    assert targets.for_case("complaint", "normal") == 1800  # category
    assert targets.for_case("complaint", "high") == 600  # urgency beats category
    assert targets.for_case("question", "high") == 300  # category+urgency beats urgency
    assert targets.for_case("praise", "normal") == 7200  # default
    assert targets.for_case(None, None) == 7200
    assert parse_targets("complaint=30m").for_case("praise", "normal") is None  # no default: no target
    assert parse_targets("1h").for_case("lead", None) == 3600  # a bare duration is the default


@pytest.mark.parametrize("text", ["complaint=soon", "angry=10m", "complaint+angry=1m", "=5m", ",", "urgent"])
def test_bad_targets(text: str) -> None:
    with pytest.raises(SlaConfigError):
        parse_targets(text)


def test_next_response_falls_back_to_first_response_targets() -> None:
    policy = SlaPolicy(first=parse_targets("default=2h"), next=parse_targets("complaint=1h"))
    assert policy.target("complaint", "normal", first=False) == 3600
    assert policy.target("complaint", "normal", first=True) == 7200
    assert policy.target("praise", "normal", first=False) is None  # next targets given: only they count
    assert SlaPolicy(first=parse_targets("default=2h")).target("praise", None, first=False) == 7200


# -- business hours ---------------------------------------------------------------------------------------


def test_always_open_by_default() -> None:
    start = datetime(2026, 11, 28, 23, 50, tzinfo=UTC)  # a Saturday night
    hours = BusinessHours()
    assert hours.add(start, 1800) == start + timedelta(minutes=30)
    assert hours.between(start, start + timedelta(hours=49)) == 49 * 3600


def test_inside_hours_the_clock_runs_like_a_watch() -> None:
    start = berlin(2026, 11, 25, 10, 0)  # Wednesday
    assert OFFICE.add(start, 1800) == berlin(2026, 11, 25, 10, 30)
    assert OFFICE.between(start, berlin(2026, 11, 25, 10, 30)) == 1800


def test_evenings_carry_over_to_the_next_morning() -> None:
    start = berlin(2026, 11, 25, 17, 45)  # Wednesday, 15 minutes before closing
    assert OFFICE.add(start, 1800) == berlin(2026, 11, 26, 9, 15)
    assert OFFICE.between(start, berlin(2026, 11, 26, 9, 15)) == 1800
    # written at night: the clock starts at opening
    assert OFFICE.add(berlin(2026, 11, 25, 22, 0), 600) == berlin(2026, 11, 26, 9, 10)


def test_weekends_do_not_count() -> None:
    friday = berlin(2026, 11, 27, 17, 50)
    assert OFFICE.add(friday, 1800) == berlin(2026, 11, 30, 9, 20)  # Monday
    saturday = berlin(2026, 11, 28, 12, 0)
    assert OFFICE.add(saturday, 60) == berlin(2026, 11, 30, 9, 1)
    assert OFFICE.between(saturday, berlin(2026, 11, 29, 23, 0)) == 0
    assert (
        OFFICE.between(berlin(2026, 11, 27, 9, 0), berlin(2026, 12, 4, 18, 0)) == 6 * 9 * 3600
    )  # Fri + Mon-Fri


def test_several_ranges_and_a_lunch_break() -> None:
    hours = parse_business_hours("Mon-Fri 09:00-12:00 13:00-18:00, Sat 10:00-14:00 Europe/Berlin")
    assert hours.add(berlin(2026, 11, 25, 11, 50), 1200) == berlin(2026, 11, 25, 13, 10)
    assert hours.add(berlin(2026, 11, 27, 17, 30), 3600) == berlin(2026, 11, 28, 10, 30)  # Saturday
    assert hours.between(berlin(2026, 11, 28, 0, 0), berlin(2026, 11, 29, 0, 0)) == 4 * 3600


def test_overlapping_and_adjoining_ranges_are_not_counted_twice() -> None:
    hours = parse_business_hours("Mon-Sun 00:00-12:00 10:00-24:00 UTC")
    start = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    assert hours.add(start, 2 * 3600) == start + timedelta(hours=2)
    assert hours.between(start, start + timedelta(days=2)) == 2 * 86400


def test_a_range_over_midnight_on_the_weekend_wraps() -> None:
    hours = parse_business_hours("Fri-Mon 08:00-09:00 UTC")
    mondays = [d for d in range(7) if hours.week[d]]
    assert mondays == [0, 4, 5, 6]


def test_holidays_close_the_whole_day() -> None:
    hours = OFFICE.with_holidays(parse_holidays("2026-12-24,2026-12-25"))
    start = berlin(2026, 12, 23, 17, 30)  # Wednesday; Thu 24 and Fri 25 are holidays
    assert hours.add(start, 3600) == berlin(2026, 12, 28, 9, 30)
    assert hours.between(start, berlin(2026, 12, 28, 9, 30)) == 3600
    assert parse_holidays("2026-12-24, 2026-12-25") == {date(2026, 12, 24), date(2026, 12, 25)}


def test_daylight_saving_time_is_the_zones() -> None:
    # Europe/Berlin springs forward on 29 March 2026 and falls back on 25 October 2026.
    assert berlin(2026, 3, 27, 9, 0).hour == 8 and berlin(2026, 3, 30, 9, 0).hour == 7
    assert OFFICE.add(berlin(2026, 3, 27, 17, 0), 7200) == berlin(2026, 3, 30, 10, 0)
    assert OFFICE.add(berlin(2026, 10, 23, 17, 0), 7200) == berlin(2026, 10, 26, 10, 0)
    always = parse_business_hours("Mon-Sun 00:00-24:00 Europe/Berlin")
    # the night of the change is 23 hours long in March and 25 in October
    assert always.between(berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 30, 0, 0)) == 23 * 3600
    assert always.between(berlin(2026, 10, 25, 0, 0), berlin(2026, 10, 26, 0, 0)) == 25 * 3600
    night = parse_business_hours("Sun 01:00-04:00 Europe/Berlin")  # 02:00-03:00 does not exist that day
    assert night.between(berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 30, 0, 0)) == 2 * 3600


def test_add_and_between_agree() -> None:
    hours = parse_business_hours("Mon-Fri 08:30-12:15 13:00-17:45, Sun 12:00-13:00 America/New_York")
    start = datetime(2026, 11, 1, 3, 17, tzinfo=UTC)  # New York falls back that morning
    for seconds in (1, 59, 3600, 4 * 3600 + 5, 40 * 3600, 123_457):
        end = hours.add(start, seconds)
        assert hours.between(start, end) == seconds
        assert hours.add(start, seconds + 1) > end


def test_tomorrow_at_nine_in_the_business_zone() -> None:
    assert OFFICE.tomorrow_at(berlin(2026, 11, 25, 23, 30)) == berlin(2026, 11, 26, 9, 0)
    assert OFFICE.tomorrow_at(berlin(2026, 11, 26, 0, 30)) == berlin(2026, 11, 27, 9, 0)


@pytest.mark.parametrize(
    "text",
    [
        "Mon-Fri",
        "09:00-18:00",
        "Mon-Fri 9-18 Europe/Berlin",
        "Mon-Fri 18:00-09:00 Europe/Berlin",
        "Mon-Fri 09:00-25:00",
        "Mon-Fri 09:00-18:00 Mars/Olympus",
        "Someday 09:00-18:00",
        "Mon-Fri 09:60-18:00",
        "",
    ],
)
def test_bad_business_hours(text: str) -> None:
    with pytest.raises(SlaConfigError):
        parse_business_hours(text)


def test_zone_defaults_to_utc() -> None:
    hours = parse_business_hours("Mon-Fri 09:00-17:00")
    assert hours.add(datetime(2026, 11, 25, 16, 30, tzinfo=UTC), 3600) == datetime(
        2026, 11, 26, 9, 30, tzinfo=UTC
    )


# -- settings ---------------------------------------------------------------------------------------------

BASE = {
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "s",
    "SLACKBRIDGE_CHANNEL": "C0CARDS",
    "SLACKBRIDGE_APPROVERS": "UBOSS",
    "X_API_KEY": "k",
    "X_API_SECRET": "s",
    "X_ACCESS_TOKEN": "t",
    "X_ACCESS_TOKEN_SECRET": "t",
}


def test_settings_build_one_policy() -> None:
    settings = load_settings(
        {
            **BASE,
            "SLACKBRIDGE_SLA": "default=2h,complaint=30m,urgent=10m",
            "SLACKBRIDGE_SLA_NEXT_RESPONSE": "1h",
            "SLACKBRIDGE_BUSINESS_HOURS": "Mon-Fri 09:00-18:00 Europe/Berlin",
            "SLACKBRIDGE_HOLIDAYS": "2026-12-24",
            "SLACKBRIDGE_ESCALATE_TO": "S0LEADS",
        }
    )
    assert settings.sla is not None
    assert settings.sla.target("complaint", "high", first=True) == 600
    assert settings.sla.target("complaint", "high", first=False) == 3600
    assert settings.sla.hours.holidays == {date(2026, 12, 24)}
    assert settings.escalate_to == "S0LEADS"
    assert load_settings(BASE).sla is None  # no targets: no clock, no reminders


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACKBRIDGE_SLA", "complaint=half an hour"),
        ("SLACKBRIDGE_SLA_NEXT_RESPONSE", "x=1h"),
        ("SLACKBRIDGE_BUSINESS_HOURS", "weekdays 9 to 5"),
        ("SLACKBRIDGE_HOLIDAYS", "24.12.2026"),
        ("SLACKBRIDGE_ESCALATE_TO", "#support"),
    ],
)
def test_a_malformed_setting_stops_start_up_with_one_line_naming_it(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({**BASE, "SLACKBRIDGE_SLA": "default=2h", name: value})
    assert len(raised.value.problems) == 1
    message = str(raised.value)
    assert name in message and "\n" not in message
