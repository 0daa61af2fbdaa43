"""Start-up check of the DM channel: DMs are private by the customer's choice, so their channel must be."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from slackbridge.config import Settings
from slackbridge.probes import Finding, failed, passed


def probe_dm_channel(settings: Settings, client: WebClient) -> Finding:
    channel = settings.dm_channel or ""
    key, label = f"slack.dm_channel:{channel}", f"DM channel {channel}"
    try:
        info = client.conversations_info(channel=channel)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown_error"))
        return failed(key, label, f"cannot check SLACKBRIDGE_DM_CHANNEL {channel}: Slack said {error}.")
    except (SlackRequestError, OSError):
        return failed(key, label, f"cannot reach Slack to check SLACKBRIDGE_DM_CHANNEL {channel}.")
    found = info.get("channel") or {}
    if not found.get("is_private"):
        return failed(
            key,
            label,
            f"SLACKBRIDGE_DM_CHANNEL {channel} is a public channel: direct messages must stay private, "
            "so use a private channel (create one, /invite @slackbridge there, and put its ID here).",
        )
    return passed(key, label, "private")
