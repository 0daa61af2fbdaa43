"""The settings that point a slackbridge process at the fake Slack and X servers (tests, storm, bench)."""

from __future__ import annotations

from slackbridge.testing.fake_slack import FakeSlack
from slackbridge.testing.fake_x import FakeX


def fake_service_env(
    slack: FakeSlack,
    x: FakeX,
    db_url: str,
    *,
    signing_secret: str,
    channel: str,
    approvers: str,
    **extra: str,
) -> dict[str, str]:
    """Slack, X and database settings for a service talking to these fakes; `extra` adds or overrides."""
    env = {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": slack.api_url,
        "SLACKBRIDGE_CHANNEL": channel,
        "SLACKBRIDGE_APPROVERS": approvers,
        "X_API_KEY": x.api_key,
        "X_API_SECRET": x.api_secret,
        "X_ACCESS_TOKEN": x.access_token,
        "X_ACCESS_TOKEN_SECRET": x.access_token_secret,
        "X_BEARER_TOKEN": x.bearer_token or "",
        "X_API_URL": x.url,
        "DATABASE_URL": db_url,
        "SLACKBRIDGE_POST_INTERVAL": "0",
    }
    env.update(extra)
    return env
