"""What the fake Slack holds (channels, messages, views, files, faults) and the helpers that change it."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import TYPE_CHECKING, Any

from slackbridge.testing.fake_slack.blockkit import MAX_MESSAGE_TEXT, MAX_VIEW_BLOCKS, validate_blocks
from slackbridge.testing.fake_slack.records import (
    Call,
    Json,
    Response,
    SlackError,
    UploadedFile,
    _Bucket,
    _Failure,
    _ResponseTarget,
)
from slackbridge.testing.fake_slack.socket_mode import SocketModeServer

if TYPE_CHECKING:
    from slackbridge.testing.fake_slack.server import _Server

TRIGGER_TTL_SECONDS = 3.0

# What a fresh install from manifest.yml grants the bot token (Slack lists them in `x-oauth-scopes`).
MANIFEST_BOT_SCOPES = (
    "chat:write",
    "commands",
    "channels:history",
    "groups:history",
    "groups:read",
    "users:read",
    "usergroups:read",
    "files:write",
    "im:write",
    "channels:read",
)
APP_TOKEN_SCOPES = ("connections:write",)


def _json_field(params: Json, name: str) -> Any:
    """Slack accepts JSON fields either inline (JSON bodies) or as JSON-encoded strings (form bodies)."""
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as err:
            raise SlackError(f"invalid_{name}_format" if name == "blocks" else "invalid_arguments") from err
    return value


def _ts_sort_key(ts: str) -> tuple[int, int]:
    sec, _, frac = ts.partition(".")
    return int(sec), int(frac or 0)


def _insert_sorted(timestamps: list[str], ts: str) -> None:
    timestamps.append(ts)
    timestamps.sort(key=_ts_sort_key)


class SlackState:
    """The fake's state; every helper below expects the caller to hold ``self._lock``."""

    def __init__(
        self,
        bot_token: str,
        *,
        team_id: str,
        bot_user_id: str,
        bot_id: str,
        app_id: str,
        strict_channels: bool,
        app_token: str,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.strict_channels = strict_channels
        self.trigger_ttl = TRIGGER_TTL_SECONDS
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ts_counter = 1_700_000_000_000_000
        self._id_counter = 0
        self._channels: dict[str, str] = {}
        self._private: set[str] = set()
        self._outside: set[str] = set()  # channels the bot has not been invited to
        self.scopes: list[str] = list(MANIFEST_BOT_SCOPES)
        self._users: dict[str, Json] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._dms: dict[str, str] = {}  # user id -> the bot's direct-message channel with them
        self._top: dict[str, list[str]] = defaultdict(list)
        self._replies: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._messages: dict[tuple[str, str], Json] = {}
        self._ephemerals: list[Json] = []
        self._views: dict[str, Json] = {}
        self._views_opened: list[Json] = []
        self._views_updated: list[Json] = []
        self._home: dict[str, Json] = {}
        self._triggers: dict[str, float] = {}
        self._responses: list[Response] = []
        self._response_targets: dict[str, _ResponseTarget] = {}
        self._files: dict[str, UploadedFile] = {}
        self._calls: list[Call] = []
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._delays: dict[str, deque[float]] = defaultdict(deque)
        self._rate: tuple[float, int] | None = None
        self._outage: int | None = None  # HTTP status every Web API call gets (an HTML page) while set
        self._buckets: dict[str, _Bucket] = {}
        self._socket = SocketModeServer(app_id)

    # ------------------------------------------------------------ state helpers (caller holds the lock)

    def _next_ts(self) -> str:
        """Like Slack's: the message's Unix time in microseconds, unique and increasing within a channel."""
        with self._lock:
            self._ts_counter = max(self._ts_counter + 100, int(time.time() * 1_000_000))
            n = self._ts_counter
        return f"{n // 1_000_000}.{n % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._id_counter += 1
            return f"{prefix}0{self._id_counter:08d}"

    def _channel(self, params: Json, name: str = "channel") -> str:
        channel = str(params.get(name) or "")
        if not channel or (self.strict_channels and channel not in self._channels):
            raise SlackError("channel_not_found")
        if channel in self._outside:
            # A bot token sees a private channel it is not in as missing; a public one as not joined.
            raise SlackError("channel_not_found" if channel in self._private else "not_in_channel")
        return channel

    @staticmethod
    def _dm_channel(user: str) -> str:
        """The app's direct-message channel with a person (Slack gives each pair one D… channel)."""
        return f"D{user[1:]}"

    def _existing(self, channel: str, ts: Any) -> Json:
        found = self._messages.get((channel, str(ts or "")))
        if found is None:
            raise SlackError("message_not_found")
        return found

    def _check_content(self, params: Json, *, require: bool = True) -> list[Any] | None:
        text = params.get("text")
        blocks = _json_field(params, "blocks")
        if require and not text and not blocks and not params.get("attachments"):
            raise SlackError("no_text")
        if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
            raise SlackError("msg_too_long")
        if blocks is not None:
            errors = validate_blocks(blocks)
            if errors:
                raise SlackError("invalid_blocks", messages=errors)
        return blocks if isinstance(blocks, list) else None

    def _store_message(
        self,
        channel: str,
        params: Json,
        *,
        thread_ts: Any = None,
        author: Json | None = None,
        ts: str | None = None,
    ) -> Json:
        if ts is None:
            ts = self._next_ts()
        elif (channel, ts) in self._messages:
            raise ValueError(f"a message with ts {ts} already exists in {channel}")
        else:
            sec, frac = _ts_sort_key(ts)
            self._ts_counter = max(self._ts_counter, sec * 1_000_000 + frac)
        if author is None:
            author = {"user": self.bot_user_id, "bot_id": self.bot_id, "app_id": self.app_id}
        message: Json = {
            "type": "message",
            **author,
            "team": self.team_id,
            "text": params.get("text") or "",
            "ts": ts,
        }
        blocks = params.get("blocks")
        if blocks:
            message["blocks"] = blocks
        for extra in ("files", "upload", "metadata"):
            if extra in params:
                message[extra] = params[extra]
        if thread_ts:
            parent = self._messages.get((channel, str(thread_ts)))
            if parent is None:
                raise SlackError("thread_not_found")
            parent_ts = str(parent.get("thread_ts", parent["ts"]))  # replying to a reply joins its thread
            parent = self._messages[(channel, parent_ts)]
            message["thread_ts"] = parent_ts
            message["parent_user_id"] = parent.get("user")
            _insert_sorted(self._replies[(channel, parent_ts)], ts)
            parent["thread_ts"] = parent_ts
            parent["reply_count"] = len(self._replies[(channel, parent_ts)])
            parent["latest_reply"] = ts
            parent["reply_users"] = sorted({message.get("user", ""), *parent.get("reply_users", [])} - {""})
            parent["reply_users_count"] = len(parent["reply_users"])
        else:
            _insert_sorted(self._top[channel], ts)
        self._messages[(channel, ts)] = message
        return message

    def _remove_message(self, channel: str, ts: str) -> None:
        message = self._messages.pop((channel, ts))
        parent_ts = message.get("thread_ts")
        if parent_ts and parent_ts != ts:
            replies = self._replies[(channel, parent_ts)]
            replies.remove(ts)
            parent = self._messages.get((channel, parent_ts))
            if parent is not None:
                parent["reply_count"] = len(replies)
        else:
            self._top[channel].remove(ts)
            for reply in self._replies.pop((channel, ts), []):
                self._messages.pop((channel, reply), None)

    def _view_from(self, params: Json, *, kind: str | None = None) -> Json:
        view = _json_field(params, "view")
        if not isinstance(view, dict):
            raise SlackError(
                "invalid_arguments", messages=["[ERROR] must provide an object [json-pointer:/view]"]
            )
        if kind and view.get("type") != kind:
            raise SlackError(
                "invalid_arguments", messages=[f"[ERROR] must be {kind} [json-pointer:/view/type]"]
            )
        errors = validate_blocks(view.get("blocks", []), max_blocks=MAX_VIEW_BLOCKS, pointer="/view/blocks")
        if errors:
            # Views answer invalid_arguments (not invalid_blocks), with the same json-pointer messages.
            raise SlackError("invalid_arguments", messages=errors)
        return view

    def _render_view(self, view: Json, view_id: str, root_view_id: str | None = None) -> Json:
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": None,
            "root_view_id": root_view_id or view_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
