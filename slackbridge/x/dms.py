"""X's direct messages through tweepy: reading the brand's DM events and sending one DM."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import tweepy

from slackbridge.text import clean_text, decode_x_text
from slackbridge.x.parse import USER_FIELDS, _created_at, _user
from slackbridge.x.types import XUser

logger = logging.getLogger(__name__)

DM_EVENT_FIELDS = [
    "sender_id",
    "participant_ids",
    "dm_conversation_id",
    "created_at",
    "attachments",
    "referenced_tweets",
]


@dataclass(frozen=True)
class XDmEvent:
    """One message in a DM conversation (MessageCreate)."""

    id: str
    text: str
    sender_id: str
    dm_conversation_id: str
    participant_ids: tuple[str, ...]
    created_at: datetime
    has_attachments: bool = False
    referenced_tweet_ids: tuple[str, ...] = ()
    sender: XUser | None = None

    @property
    def is_group(self) -> bool:
        """One-to-one conversation ids are two user ids joined by a dash; a group's is a single id."""
        return "-" not in self.dm_conversation_id or len(self.participant_ids) > 2


@dataclass(frozen=True)
class DmPage:
    events: list[XDmEvent]  # newest first, as X returns them
    next_token: str | None
    users: dict[str, XUser] = field(default_factory=dict)


@dataclass(frozen=True)
class SentDm:
    event_id: str
    dm_conversation_id: str
    text: str


class DmCalls:
    """Mixed into XClient: the DM endpoints, which take user context only (never the app-only token)."""

    _tweepy: tweepy.Client
    _call: Callable[..., dict[str, Any]]

    def dm_events(self, *, pagination_token: str | None = None, max_results: int = 100) -> DmPage:
        """One page of the brand's DM messages, newest first, with their senders."""
        body = self._call(
            "reading direct messages",
            lambda: self._tweepy.get_direct_message_events(
                event_types="MessageCreate",
                dm_event_fields=DM_EVENT_FIELDS,
                expansions=["sender_id"],
                user_fields=USER_FIELDS,
                max_results=max_results,
                pagination_token=pagination_token,
                user_auth=True,
            ),
        )
        return _page(body)

    def dm_events_with(self, participant_id: str) -> DmPage:
        """The newest messages of our one-to-one conversation with this user (its own rate limit)."""
        body = self._call(
            "reading a direct message conversation",
            lambda: self._tweepy.get_direct_message_events(
                participant_id=participant_id,
                event_types="MessageCreate",
                dm_event_fields=DM_EVENT_FIELDS,
                max_results=100,
                user_auth=True,
            ),
        )
        return _page(body)

    def send_dm(
        self, text: str, *, participant_id: str | None = None, dm_conversation_id: str | None = None
    ) -> SentDm:
        """Send one DM; a 5xx or timeout is ambiguous because the message may have been delivered."""
        body = self._call(
            "sending this direct message",
            lambda: self._tweepy.create_direct_message(
                dm_conversation_id=dm_conversation_id,
                participant_id=None if dm_conversation_id else participant_id,
                text=text,
                user_auth=True,
            ),
            write=True,
            subject="this direct message",
        )
        data = body.get("data") or {}
        event_id = str(data.get("dm_event_id", ""))
        logger.info("x.dm_sent event_id=%s", event_id)
        return SentDm(
            event_id=event_id,
            dm_conversation_id=str(data.get("dm_conversation_id") or dm_conversation_id or ""),
            text=text,
        )


def _page(body: dict[str, Any]) -> DmPage:
    users: dict[str, XUser] = {}
    for item in (body.get("includes") or {}).get("users") or []:
        if isinstance(item, dict) and "id" in item:
            user = _user(item)
            users[user.id] = user
    events = []
    for item in body.get("data") or []:
        if not isinstance(item, dict) or item.get("event_type", "MessageCreate") != "MessageCreate":
            continue
        event = _event(item, users)
        if event is not None:
            events.append(event)
    token = (body.get("meta") or {}).get("next_token")
    return DmPage(events=events, next_token=str(token) if token else None, users=users)


def _event(data: dict[str, Any], users: dict[str, XUser]) -> XDmEvent | None:
    event_id = clean_text(str(data.get("id", "")))
    sender = clean_text(str(data.get("sender_id", "")))
    conversation = clean_text(str(data.get("dm_conversation_id", "")))
    if not event_id.isdigit() or not sender or not conversation:
        logger.warning("x.dm_event_unreadable id=%s", event_id[:32])
        return None
    participants = data.get("participant_ids") or conversation.split("-")
    refs = [str(r.get("id")) for r in data.get("referenced_tweets") or [] if isinstance(r, dict)]
    return XDmEvent(
        id=event_id,
        text=decode_x_text(clean_text(str(data.get("text", "")))),
        sender_id=sender,
        dm_conversation_id=conversation,
        participant_ids=tuple(str(p) for p in participants),
        created_at=_created_at(data),
        has_attachments=bool(data.get("attachments")),
        referenced_tweet_ids=tuple(refs),
        sender=users.get(sender),
    )
