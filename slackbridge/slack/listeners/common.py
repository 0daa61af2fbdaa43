"""Helpers every listener uses to read payloads and answer the person who acted."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from slack_bolt import Respond

from slackbridge.messages import STALE_BUTTON
from slackbridge.slack.ids import Ref, decode_ref

logger = logging.getLogger(__name__)

__all__ = ["STALE_BUTTON", "action_ref", "show", "tell", "user_id"]


class Shown(Protocol):
    """What a service returns for a person's action (services.outcome.Outcome and its kin)."""

    @property
    def notice(self) -> str | None: ...


def action_ref(body: dict[str, Any]) -> Ref | None:
    """The Ref behind the clicked element, or None for a malformed or foreign payload."""
    try:
        action = body["actions"][0]
        value = action.get("value") or (action.get("selected_option") or {}).get("value")
        return decode_ref(value)
    except (KeyError, IndexError, TypeError, ValueError):
        logger.warning("slack.bad_action_payload")
        return None


def selected_value(body: dict[str, Any]) -> str | None:
    try:
        return str(body["actions"][0]["selected_option"]["value"])
    except (KeyError, IndexError, TypeError):
        return None


def user_id(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def channel_id(body: dict[str, Any]) -> str | None:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return str(channel) if channel else None


def message_thread(body: dict[str, Any]) -> str | None:
    message = body.get("message") or {}
    ts = message.get("thread_ts") or message.get("ts") or (body.get("container") or {}).get("message_ts")
    return str(ts) if ts else None


def tell(respond: Respond, text: str) -> None:
    """An ephemeral answer to the person who clicked; a failed notice must not hide a stored outcome."""
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception:
        logger.exception("slack.respond_failed")


def show(respond: Respond, outcome: Shown) -> None:
    """Show the outcome of a click to the person who clicked: its notice, refusals included."""
    if outcome.notice:
        tell(respond, outcome.notice)


def from_home(body: dict[str, Any]) -> bool:
    """A click on the Home tab: it has no response_url, so notices are shown on the tab itself."""
    return (body.get("container") or {}).get("type") == "view"
