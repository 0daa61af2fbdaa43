"""The records the fake Slack keeps and hands back to tests, and the API error it answers with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One Web API request as the fake received it (recorded even when it then failed)."""

    method: str
    params: Json
    time: float


@dataclass(frozen=True)
class Response:
    """One POST to a response_url (what Bolt's ``respond()`` sends)."""

    name: str
    body: Json
    time: float


@dataclass
class UploadedFile:
    """A file sent through the files.getUploadURLExternal / completeUploadExternal flow."""

    id: str
    filename: str
    length: int
    content: bytes = b""
    uploaded: bool = False
    completed: bool = False
    title: str | None = None
    channel_id: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None
    alt_txt: str | None = None


class SlackError(Exception):
    """An API error answered as ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, *, messages: list[str] | None = None, status: int = 200) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []
        self.status = status


@dataclass
class _Failure:
    error: str
    status: int
    headers: dict[str, str]
    after: bool = False  # act on the call first, then answer with the error (an answer lost on the way)
    drop: bool = False  # close the connection instead of answering
    html: bool = False  # answer with an HTML error page, as Slack's edge does in an outage


@dataclass
class _Bucket:
    tokens: float
    last: float


@dataclass(frozen=True)
class _ResponseTarget:
    channel: str | None
    message_ts: str | None
    user: str | None
