"""The store: every table of slackbridge, with an enum for every status."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite forgets the zone; we put it back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CaseStatus(enum.StrEnum):
    OPEN = "open"  # waiting on us
    WAITING = "waiting"  # we replied; waiting on the customer
    RESOLVED = "resolved"


class CaseSource(enum.StrEnum):
    MENTION = "mention"
    LISTEN = "listen"  # found by keyword listening: can be watched, not answered by API
    TRACKED = "tracked"  # opened by hand with /tweetcare track


class TweetSource(enum.StrEnum):
    MENTION = "mention"
    LISTEN = "listen"
    TRACKED = "tracked"
    OURS = "ours"


class DraftStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for approval
    SENDING = "sending"  # approved; the post to X is under way
    SENT = "sent"
    FAILED = "failed"  # X refused or failed; can be retried
    DISCARDED = "discarded"


class DraftOrigin(enum.StrEnum):
    HUMAN = "human"
    AI = "ai"
    SAVED = "saved"  # a canned or earlier approved reply


class AuditAction(enum.StrEnum):
    TWEET_STORED = "tweet_stored"
    CASE_OPENED = "case_opened"
    CASE_REOPENED = "case_reopened"
    CASE_CARDED = "case_carded"
    CASE_RESOLVED = "case_resolved"
    CASE_WAITING = "case_waiting"
    CASE_RECATEGORISED = "case_recategorised"
    CASE_ASSIGNED = "case_assigned"
    DRAFT_CREATED = "draft_created"
    DRAFT_REJECTED = "draft_rejected"
    DRAFT_EDITED = "draft_edited"
    DRAFT_DISCARDED = "draft_discarded"
    APPROVAL_DENIED = "approval_denied"
    DRAFT_APPROVED = "draft_approved"
    DRAFT_SENT = "draft_sent"
    DRAFT_FAILED = "draft_failed"
    DRAFT_RECONCILED = "draft_reconciled"
    SUGGESTION_REQUESTED = "suggestion_requested"
    NOTE_ADDED = "note_added"
    LISTEN_ADDED = "listen_added"
    LISTEN_REMOVED = "listen_removed"
    TWEET_DELETED_ON_X = "tweet_deleted_on_x"
    # Operations: a notice posted once across processes
    OPS_NOTICE = "ops_notice"


def _enum_col(length: int = 20, *, index: bool = False, nullable: bool = False) -> Any:
    # Stored as plain strings: portable, and new values need no ALTER TYPE.
    return Field(sa_type=sa.String(length), index=index, nullable=nullable)


class Customer(SQLModel, table=True):
    """An X user who wrote to or about the brand."""

    id: str = Field(primary_key=True, max_length=32)  # X user id
    username: str = Field(index=True, max_length=32)
    name: str = Field(default="", max_length=200)
    followers_count: int | None = None
    verified: bool = False
    profile_image_url: str | None = Field(default=None, max_length=500)
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Case(SQLModel, table=True):
    """One X conversation, linked to the Slack thread where the team works on it."""

    __table_args__ = (sa.UniqueConstraint("channel_id", "thread_ts", name="uq_case_thread"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(unique=True, max_length=32)
    root_tweet_id: str = Field(max_length=32)
    customer_id: str = Field(index=True, max_length=32)
    source: CaseSource = _enum_col()
    status: CaseStatus = _enum_col(index=True)
    channel_id: str | None = Field(default=None, max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    category: str | None = Field(default=None, max_length=20)
    sentiment: str | None = Field(default=None, max_length=20)
    urgency: str | None = Field(default=None, max_length=20)
    triage_reason: str | None = Field(default=None, max_length=300)
    triage_stage: str | None = Field(default=None, max_length=20)
    assignee_id: str | None = Field(default=None, index=True, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the customer last wrote and we have not answered yet: the queue's clock.
    waiting_since: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Tweet(SQLModel, table=True):
    """A post we stored: a customer's mention, a listening hit, a tracked post, or our own reply."""

    id: str = Field(primary_key=True, max_length=32)
    author_id: str = Field(index=True, max_length=32)
    conversation_id: str = Field(index=True, max_length=32)
    text: str
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    in_reply_to_tweet_id: str | None = Field(default=None, max_length=32)
    quoted_tweet_id: str | None = Field(default=None, max_length=32)
    lang: str | None = Field(default=None, max_length=12)
    source: TweetSource = _enum_col()
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    # Where the tweet is shown in Slack; NULL until it has been delivered (the delivery queue).
    slack_channel: str | None = Field(default=None, max_length=32)
    slack_ts: str | None = Field(default=None, max_length=32)
    # When we first asked Slack to show this post: if Slack's answer was lost, look before posting again.
    slack_attempted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stored_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Delivery to Slack, one post at a time across processes: who is showing it now, until when (a claim
    # held past `claimed_until` is abandoned and may be taken over), how often it failed, and when it was
    # parked (shown as a notice instead of a card) because it could not be shown at all.
    claimed_by: str | None = Field(default=None, max_length=32)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivery_failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    parked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Draft(SQLModel, table=True):
    """A reply proposed in a case's thread; it reaches X only after an approver's click."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    in_reply_to_tweet_id: str = Field(max_length=32)
    text: str
    length: int
    author_id: str = Field(max_length=32)  # Slack user id
    origin: DraftOrigin = _enum_col()
    ai_model: str | None = Field(default=None, max_length=100)
    notes: str | None = None  # checks' remarks shown on the draft (e.g. link cost)
    status: DraftStatus = _enum_col(index=True)
    version: int = 1
    edited_by: str | None = Field(default=None, max_length=32)
    approver_id: str | None = Field(default=None, max_length=32)
    sent_tweet_id: str | None = Field(default=None, unique=True, max_length=32)
    last_error: str | None = None
    error_ambiguous: bool = False  # the failed post may have reached X: check before retrying
    # The Slack message a `reply:` draft came from; unique so a retried event cannot make two drafts.
    source_key: str | None = Field(default=None, unique=True, max_length=80)
    slack_channel: str | None = Field(default=None, max_length=32)
    slack_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When X was first asked to post the current text: a retry after an unconfirmed post searches from here.
    first_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Operations: False when X's refusal is final (reply not allowed, post gone): no Retry is offered
    retryable: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})


class Cursor(SQLModel, table=True):
    """Where a poller left off (e.g. the newest mention id stored)."""

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SlackSurface(SQLModel, table=True):
    """A message the product keeps up to date in Slack (a card, a draft, someone's Home tab).

    `version` counts changes of the state it shows; `rendered` is the version Slack shows now. One process
    at a time renders a surface (the claim), so an older state never overwrites a newer one, and a surface
    left behind (`version > rendered`, e.g. after a crash) is rendered again by whoever finds it."""

    key: str = Field(primary_key=True, max_length=80)  # e.g. card:12, draft:40, home:U123
    channel: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    version: int = 1
    rendered: int = 0
    claimed_by: str | None = Field(default=None, max_length=32)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class InboxStatus(enum.StrEnum):
    PENDING = "pending"  # acknowledged to Slack, not yet (fully) handled
    DONE = "done"
    FAILED = "failed"  # gave up after repeated failures; kept for the operator


class SlackInbox(SQLModel, table=True):
    """A Slack request stored before it is acknowledged, so a crash after the ack loses nothing.

    `key` is unique per request (Slack's event_id, or the action's own identity), so Slack's retries and
    a request seen by two processes have one effect."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=160)
    kind: str = Field(max_length=20)  # event, action
    body: str  # the raw request body, as Slack sent it
    content_type: str = Field(default="application/json", max_length=80)
    status: InboxStatus = _enum_col(index=True)
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=32)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=200)


class AuditLog(SQLModel, table=True):
    """Who did what, when: one row for every change of state."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=32)  # Slack user id, or "system"
    action: AuditAction = _enum_col(32, index=True)
    case_id: int | None = Field(default=None, index=True)
    draft_id: int | None = Field(default=None, index=True)
    detail: str = "{}"  # JSON


class CustomerNote(SQLModel, table=True):
    """An internal note staff attached to a customer; shown on their future cards."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(index=True, max_length=32)
    author_id: str = Field(max_length=32)
    text: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HomeViewer(SQLModel, table=True):
    """Someone who opened the App Home tab, and when last: their tab is refreshed when their work changes."""

    user_id: str = Field(primary_key=True, max_length=32)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ListenQuery(SQLModel, table=True):
    """A keyword search on X whose hits are carded in the listening channel."""

    id: int | None = Field(default=None, primary_key=True)
    query: str = Field(max_length=512)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    active: bool = True
    since_id: str | None = Field(default=None, max_length=32)


class XUsage(SQLModel, table=True):
    """Posts read and written on X per UTC day and purpose: the read budget and the bill."""

    day: str = Field(primary_key=True, max_length=10)  # YYYY-MM-DD
    purpose: str = Field(primary_key=True, max_length=20)  # mentions, listen, lookup, post
    reads: int = 0
    writes: int = 0


# Operations: notices posted once across processes (polling down/up, budget thresholds)
class OpsNotice(SQLModel, table=True):
    """A notice the product posts once across processes: the row is the claim, `state` what it said last."""

    key: str = Field(primary_key=True, max_length=64)  # e.g. x_polling, budget_80:2026-11
    state: str = Field(max_length=32)
    detail: str | None = Field(default=None, max_length=200)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
