"""Settings: every problem reported at once, with where to get the value, and no secret echoed."""

from __future__ import annotations

import pytest

from slackbridge.config import ConfigError, load_settings

VALID = {
    "SLACK_BOT_TOKEN": "xoxb-123-abc",
    "SLACK_SIGNING_SECRET": "shh-signing",
    "SLACKBRIDGE_CHANNEL": "C0CARE",
    "SLACKBRIDGE_APPROVERS": "U0AAA, S0TEAM",
    "X_API_KEY": "key",
    "X_API_SECRET": "very-secret-x",
    "X_ACCESS_TOKEN": "tok",
    "X_ACCESS_TOKEN_SECRET": "tok-secret",
}


def test_defaults_and_parsing() -> None:
    settings = load_settings(VALID)
    assert settings.approvers == ("U0AAA", "S0TEAM")
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.x_api_url == "https://api.x.com"
    assert settings.database_url == "sqlite:///slackbridge.db"
    assert settings.port == 3000 and settings.poll_seconds == 60
    assert not settings.socket_mode and not settings.ai_enabled
    assert "very-secret-x" not in repr(settings) and "shh-signing" not in repr(settings)


def test_every_problem_is_named_at_once() -> None:
    env = {**VALID, "SLACKBRIDGE_APPROVERS": "bob", "PORT": "http", "X_API_URL": "ftp://x", "X_API_KEY": ""}
    del env["SLACK_SIGNING_SECRET"]
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    problems = raised.value.problems
    assert len(problems) == 5
    text = str(raised.value)
    for expected in (
        "SLACK_SIGNING_SECRET is missing",
        "Basic Information",
        "'bob' is not a user ID",
        "PORT must be a number",
        "X_API_URL must be an http(s) URL",
        "X_API_KEY is missing",
    ):
        assert expected in text


def test_token_kinds_are_checked_without_echoing_them() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(
            {**VALID, "SLACK_BOT_TOKEN": "xoxp-user-token-secret", "SLACK_APP_TOKEN": "nope-secret"}
        )
    text = str(raised.value)
    assert "xoxb-" in text and "xapp-" in text
    assert "xoxp-user-token-secret" not in text and "nope-secret" not in text


def test_socket_mode_and_category_channels() -> None:
    settings = load_settings(
        {
            **VALID,
            "SLACK_APP_TOKEN": "xapp-1-abc",
            "SLACKBRIDGE_CATEGORY_CHANNELS": "complaint=C0COMPLAIN, Lead=C0SALES",
        }
    )
    assert settings.socket_mode
    assert dict(settings.category_channels) == {"complaint": "C0COMPLAIN", "lead": "C0SALES"}
    with pytest.raises(ConfigError, match="complaint=C0123ABCD"):
        load_settings({**VALID, "SLACKBRIDGE_CATEGORY_CHANNELS": "complaint"})


def test_missing_files_are_reported(tmp_path: object) -> None:
    with pytest.raises(ConfigError, match="SLACKBRIDGE_KNOWLEDGE_DIR points to /nowhere"):
        load_settings({**VALID, "SLACKBRIDGE_KNOWLEDGE_DIR": "/nowhere"})


def test_approval_settings() -> None:
    settings = load_settings(VALID)
    assert settings.four_eyes is False and settings.approval_reminder == 600
    on = load_settings({**VALID, "SLACKBRIDGE_FOUR_EYES": "true", "SLACKBRIDGE_APPROVAL_REMINDER": "2h"})
    assert on.four_eyes and on.approval_reminder == 7200
    assert load_settings({**VALID, "SLACKBRIDGE_APPROVAL_REMINDER": "0"}).approval_reminder == 0
    assert load_settings({**VALID, "SLACKBRIDGE_APPROVAL_REMINDER": "90s"}).approval_reminder == 90
    with pytest.raises(ConfigError) as raised:
        load_settings({**VALID, "SLACKBRIDGE_APPROVAL_REMINDER": "ten minutes"})
    assert str(raised.value) == (
        "slackbridge cannot start: SLACKBRIDGE_APPROVAL_REMINDER must be a duration like 90s, 10m or 2h "
        "(0 = off), got 'ten minutes'."
    )


@pytest.mark.parametrize("raw", ["0", "ninety", "30.5", "-3"])
def test_a_malformed_retention_stops_start_up_in_one_line(raw: str) -> None:
    assert load_settings(VALID).retention_days is None
    assert load_settings({**VALID, "SLACKBRIDGE_RETENTION_DAYS": "90"}).retention_days == 90
    with pytest.raises(ConfigError) as error:
        load_settings({**VALID, "SLACKBRIDGE_RETENTION_DAYS": raw})
    assert str(error.value) == (
        "slackbridge cannot start: SLACKBRIDGE_RETENTION_DAYS must be a whole number from 1 to 36500, "
        f"got {raw!r}."
    )


# Operations: prices, budget, log format
def test_x_prices_budget_and_log_format() -> None:
    from decimal import Decimal

    from slackbridge.x.prices import Billed

    settings = load_settings(
        {
            **VALID,
            "SLACKBRIDGE_X_PRICES": "post_url=0.25, reply=0.012",
            "SLACKBRIDGE_MONTHLY_BUDGET": "$50",
            "SLACKBRIDGE_LOG_FORMAT": "JSON",
        }
    )
    assert settings.prices[Billed.POST_URL] == Decimal("0.25") and settings.prices[Billed.REPLY] == Decimal(
        "0.012"
    )
    assert settings.prices[Billed.OWNED_READ] == Decimal("0.001")  # the 2026 price where not overridden
    assert settings.monthly_budget == Decimal(50) and settings.over_budget_poll_seconds == 900
    assert settings.log_format == "json"
    assert load_settings(VALID).monthly_budget is None


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        (
            "SLACKBRIDGE_X_PRICES",
            "tweet=0.01",
            "SLACKBRIDGE_X_PRICES entry 'tweet=0.01' should look like post=0.015",
        ),
        (
            "SLACKBRIDGE_X_PRICES",
            "post=-1",
            "SLACKBRIDGE_X_PRICES entry 'post=-1' needs a price of 0 or more",
        ),
        (
            "SLACKBRIDGE_MONTHLY_BUDGET",
            "lots",
            "SLACKBRIDGE_MONTHLY_BUDGET must be an amount of dollars above 0",
        ),
        ("SLACKBRIDGE_LOG_FORMAT", "xml", "SLACKBRIDGE_LOG_FORMAT must be text or json"),
        (
            "SLACKBRIDGE_OVER_BUDGET_POLL_SECONDS",
            "5",
            "SLACKBRIDGE_OVER_BUDGET_POLL_SECONDS must be between 60",
        ),
    ],
)
def test_malformed_operations_settings_are_named_in_one_line(name: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({**VALID, name: value})
    assert str(raised.value).startswith("slackbridge cannot start: ") and says in str(raised.value)
    assert "\n" not in str(raised.value)
