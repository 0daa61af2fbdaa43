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


class SlaState(enum.StrEnum):
    """What a case's card shows of its clock (NULL in the store: on time, or no target)."""

    SOON = "soon"  # 75 % of the target used
    BREACHED = "breached"


class CaseOutcome(enum.StrEnum):
    """How a resolved case ended, asked for on Resolve; the stats' outcomes breakdown."""

    SOLVED = "solved"
    MOVED_TO_DM = "moved_to_dm"
    NO_ACTION = "no_action"  # nothing to do (e.g. praise, a remark)
    CANT_HELP = "cant_help"
    SPAM = "spam"


class CaseSource(enum.StrEnum):
    MENTION = "mention"
    LISTEN = "listen"  # found by keyword listening: can be watched, not answered by API
    TRACKED = "tracked"  # opened by hand with /tweetcare track
    # Direct messages (issue 8)
    DM = "dm"  # a direct-message conversation, shown only in the private DM channel


class TweetSource(enum.StrEnum):
    MENTION = "mention"
    LISTEN = "listen"
    TRACKED = "tracked"
    OURS = "ours"
    # Direct messages (issue 8): a DM event, from the customer or sent by us (from X's app or by slackbridge)
    DM = "dm"
    DM_OURS = "dm_ours"


class DraftStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for approval
    SENDING = "sending"  # approved; the post to X is under way
    SENT = "sent"
    FAILED = "failed"  # X refused or failed; can be retried
    DISCARDED = "discarded"
    # approval turns
    SUPERSEDED = "superseded"  # another reply of its turn was sent; only "Send as follow-up" re-opens it
    CHANGES_REQUESTED = "changes_requested"  # an approver asked for changes; an edit brings it back


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
    # service levels
    SLA_DUE_SOON = "sla_due_soon"
    SLA_BREACHED = "sla_breached"
    SLA_REMINDED = "sla_reminded"
    SLA_ESCALATED = "sla_escalated"
    CASE_SNOOZED = "case_snoozed"
    CASE_UNSNOOZED = "case_unsnoozed"
    # approval turns
    DRAFT_SUPERSEDED = "draft_superseded"
    DRAFT_FOLLOWUP = "draft_followup"
    CHANGES_REQUESTED = "changes_requested"
    APPROVAL_REMINDED = "approval_reminded"
    # team: hand-overs and saved replies
    CASE_UNASSIGNED = "case_unassigned"
    CASE_TAKEN_OVER = "case_taken_over"
    SAVED_REPLY_ADDED = "saved_reply_added"
    SAVED_REPLY_REMOVED = "saved_reply_removed"
    # outcomes and retention
    TEXT_WIPED = "text_wiped"
    # Direct messages and CSAT (issue 8)
    CASE_CONTINUED_IN_DM = "case_continued_in_dm"
    CSAT_ASKED = "csat_asked"
    CSAT_ANSWERED = "csat_answered"
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
    # service levels: the first response's due time (kept), the current turn's due times (cleared when we
    # reply), what the card shows, each reminder's claim (once per turn), and a snooze of the reminders
    first_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    due_soon_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    sla_state: SlaState | None = Field(default=None, sa_type=sa.String(20), nullable=True)
    sla_reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sla_escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    snoozed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    snoozed_by: str | None = Field(default=None, max_length=32)
    # team: who has the reply window open on this case, until when (the card shows "… is writing")
    writing_by: str | None = Field(default=None, max_length=32)
    writing_until: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # outcomes and stats: how the case ended and how long it took from opening to (the last) resolve
    outcome: CaseOutcome | None = _enum_col(nullable=True)
    resolution_seconds: int | None = None
    # Direct messages (issue 8): X's conversation id of a DM case, the public case it continues (or, on a
    # public case, the DM case it moved to), and the satisfaction rating asked once after resolving.
    dm_conversation_id: str | None = Field(default=None, max_length=80)
    linked_case_id: int | None = Field(default=None)
    csat_asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    csat_score: int | None = Field(default=None)
    csat_answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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
    # retention: when the text was wiped for being older than SLACKBRIDGE_RETENTION_DAYS (the row stays)
    text_wiped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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
    # approval turns: the customer's latest post when the draft was written (its turn), whether it was
    # re-opened on purpose as a second reply, why changes were asked, and when approvers were reminded.
    turn_tweet_id: str | None = Field(default=None, max_length=32)
    followup: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    changes_requested_by: str | None = Field(default=None, max_length=32)
    changes_reason: str | None = Field(default=None, max_length=500)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # retention: when the text was wiped for being older than SLACKBRIDGE_RETENTION_DAYS (the row stays)
    text_wiped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Direct messages (issue 8): X's refusal cannot change on a retry (reply rule, DMs closed to us)
    no_retry: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


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


class NoticeStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"


class Notice(SQLModel, table=True):
    """A message the product owes someone (a writer's DM, an approval reminder), stored with the change
    that caused it; `key` is unique so it is owed once, and one process at a time claims it to post."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=120)  # e.g. sent:40, rejected:40:3, reminder:40
    channel: str = Field(max_length=32)  # a user id (a DM from the bot) or a channel id
    thread_ts: str | None = Field(default=None, max_length=32)
    text: str
    status: NoticeStatus = _enum_col(index=True)
    claimed_by: str | None = Field(default=None, max_length=32)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# team: saved replies
class SavedReply(SQLModel, table=True):
    """A reply text the team keeps for common questions; {name} and {username} are filled from the case."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=80, unique=True)
    text: str
    created_by: str | None = Field(default=None, max_length=32)  # None: imported from the canned file
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# Operations: notices posted once across processes (polling down/up, budget thresholds)
class OpsNotice(SQLModel, table=True):
    """A notice the product posts once across processes: the row is the claim, `state` what it said last."""

    key: str = Field(primary_key=True, max_length=64)  # e.g. x_polling, budget_80:2026-11
    state: str = Field(max_length=32)
    detail: str | None = Field(default=None, max_length=200)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
