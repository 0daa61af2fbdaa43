"""Which Slack requests are stored before they are acknowledged, and the unique key of each.

Events are keyed by Slack's `event_id` (kept across Slack's retries); a click by its own identity (the
message or view it was on, the person, the action and its action_ts), so the same request seen twice -
a retry, or two processes behind a load balancer - has one key and one effect.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slackbridge.slack.ids import ActionId, decode_ref

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
SOCKET = "application/json; mode=socket"  # a Socket Mode payload: no signature to check or renew

# Clicks whose listener changes state go through the inbox. Clicks that open a modal stay live: their
# trigger_id is valid for 3 seconds only, and a lost one costs the person nothing but another click.
STORED_ACTIONS = frozenset(
    {
        ActionId.APPROVE,
        ActionId.RETRY,
        ActionId.DISCARD,
        ActionId.RESOLVE,
        ActionId.REOPEN,
        ActionId.ASSIGN,
        ActionId.TRACK,
        ActionId.CATEGORY,
        ActionId.SUGGEST,
        ActionId.SUGGEST_RETRY,
        ActionId.SNOOZE,  # its "Snooze until…" choice opens a modal: see LIVE_CHOICES
        # approval turns
        ActionId.FOLLOW_UP,
        # team: ownership
        ActionId.ASSIGN_TO,
        ActionId.UNASSIGN,
        ActionId.TAKE_OVER,
        ActionId.RESOLVE_AS,  # outcomes
    }
)
# Menu choices that open a modal, so stay live although their action is stored otherwise.
LIVE_CHOICES = frozenset({"custom"})


@dataclass(frozen=True)
class Incoming:
    """A request the front decided to store: its unique key, kind and raw body."""

    key: str
    kind: str  # event, action
    body: str
    content_type: str


def classify(body: str, content_type: str) -> Incoming | None:
    """The inbox entry for a request that changes state; None for everything Bolt should handle live."""
    try:
        if content_type.startswith(JSON):
            payload = json.loads(body)
            return _event(payload, body, JSON)
        if content_type.startswith(FORM):
            form = parse_qs(body, keep_blank_values=True)
            if "payload" not in form:
                return None  # a slash command: answered live (its response goes in the HTTP answer)
            return _action(json.loads(form["payload"][0]), body, FORM)
    except (ValueError, TypeError, AttributeError):
        return None  # Bolt answers a malformed body as before
    return None


def classify_socket(kind: str, payload: dict[str, Any]) -> Incoming | None:
    """The same decision for a Socket Mode envelope (`events_api` or `interactive`)."""
    body = json.dumps(payload, separators=(",", ":"))
    try:
        if kind == "events_api":
            return _event(payload, body, SOCKET)
        if kind == "interactive":
            return _action(payload, body, SOCKET)
    except (ValueError, TypeError, AttributeError):
        return None
    return None


def _event(payload: Any, body: str, content_type: str) -> Incoming | None:
    if not isinstance(payload, dict) or payload.get("type") != "event_callback":
        return None  # url_verification, app_rate_limited…: Bolt answers them
    event_id = payload.get("event_id")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 120:
        return None
    return Incoming(f"event:{event_id}", "event", body, content_type)


def _action(payload: Any, body: str, content_type: str) -> Incoming | None:
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return None
    actions = payload.get("actions")
    if not isinstance(actions, list) or len(actions) != 1 or not isinstance(actions[0], dict):
        return None
    action = actions[0]
    if action.get("action_id") not in STORED_ACTIONS or _live_choice(action):
        return None
    container = payload.get("container") or {}
    identity = [
        str((payload.get("team") or {}).get("id") or ""),
        str(container.get("message_ts") or container.get("view_id") or ""),
        str((payload.get("user") or {}).get("id") or ""),
        str(action.get("action_id")),
        str(action.get("action_ts") or ""),
    ]
    digest = hashlib.sha256("\x1f".join(identity).encode()).hexdigest()
    return Incoming(f"action:{digest}", "action", body, content_type)


def _live_choice(action: dict[str, Any]) -> bool:
    value = (action.get("selected_option") or {}).get("value")
    try:
        return isinstance(value, str) and decode_ref(value).extra in LIVE_CHOICES
    except ValueError:
        return False
