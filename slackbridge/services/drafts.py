"""Reply drafts: created from a thread message, a modal or a suggestion; edited, discarded, rendered."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from slackbridge import messages
from slackbridge.models import (
    AuditAction,
    AuditLog,
    Case,
    CaseSource,
    Customer,
    Draft,
    DraftOrigin,
    DraftStatus,
    Tweet,
    utcnow,
)
from slackbridge.services import audit
from slackbridge.services.cases import case_for_thread, latest_customer_tweet
from slackbridge.services.deps import Deps
from slackbridge.services.dm_rules import DM_SOURCES, is_group_dm
from slackbridge.services.dm_sending import GROUP_READ_ONLY, reply_check
from slackbridge.services.outcome import DONE, Outcome, refused
from slackbridge.services.turns import answered_in, current_turn, lock_case
from slackbridge.slack.blocks.draft import DraftView
from slackbridge.slack.surfaces import Surfaces, draft_key
from slackbridge.text import clean_optional, clean_text, slack_to_plain

logger = logging.getLogger(__name__)

EDITABLE = (DraftStatus.PENDING, DraftStatus.FAILED, DraftStatus.CHANGES_REQUESTED)
DISCARDABLE = (*EDITABLE, DraftStatus.SUPERSEDED)


@dataclass(frozen=True)
class ReplyTarget:
    """The post a new draft answers, as the reply modal shows it."""

    tweet_id: str
    text: str
    username: str


@dataclass(frozen=True)
class DraftOutcome:
    draft_id: int | None = None
    problem: str | None = None  # shown to the writer; nothing was stored

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def notice(self) -> str | None:
        return self.problem


def is_reply_command(text: str) -> bool:
    return text.lstrip().lower().startswith("reply:")


def strip_reply_command(text: str) -> str:
    return text.lstrip()[len("reply:") :].strip()


AI_MODEL_LIMIT = 100  # Draft.ai_model
CARD_TS_WAIT = 10.0  # seconds a reply waits for a brand-new card's ts to be stored
RECENT_THREAD = 120.0  # only threads started this recently may be a card still being stored


def _is_recent(thread_ts: str) -> bool:
    """Slack ts values are the message's Unix time."""
    try:
        return time.time() - float(thread_ts) < RECENT_THREAD
    except ValueError:
        return False


def moved_case(session: Session, channel: str, thread_ts: str) -> Case | None:
    """The case whose card used to be this thread, before it moved to another channel."""
    carded = session.exec(
        select(AuditLog.case_id).where(
            AuditLog.action == AuditAction.CASE_CARDED,
            col(AuditLog.detail).contains(f'"channel": "{channel}"'),
            col(AuditLog.detail).contains(f'"ts": "{thread_ts}"'),
        )
    ).first()
    return session.get(Case, carded) if carded else None


class Drafts:
    def __init__(self, deps: Deps, surfaces: Surfaces) -> None:
        self.deps = deps
        self.surfaces = surfaces

    def reply_target(self, case_id: int, tweet_id: str | None) -> ReplyTarget | None:
        """The given post of the case, or its latest customer post; None when the case is gone."""
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            if case is None:
                return None
            tweet = session.get(Tweet, tweet_id) if tweet_id else latest_customer_tweet(session, case)
            if tweet is None or tweet.case_id != case_id:
                return None
            customer = session.get(Customer, tweet.author_id)
            return ReplyTarget(tweet.id, tweet.text, customer.username if customer else "customer")

    def to_plain(self, slack_text: str) -> str:
        return slack_to_plain(slack_text, resolve_user=self.deps.slack.user_name)

    def from_thread_message(
        self,
        *,
        channel: str,
        thread_ts: str,
        message_ts: str,
        user: str,
        text: str,
        redelivered: bool = False,
    ) -> DraftOutcome | None:
        """A `reply:` message in a case thread; None when the thread is not a case's.

        `redelivered`: an earlier handling of this message died or failed, so a draft it stored but did
        not show is shown now."""
        case_id, moved_to = self._case_for_thread(channel, thread_ts)
        if moved_to is not None:
            return DraftOutcome(problem=messages.case_moved(moved_to))
        if case_id is None:
            return None
        return self.create(
            case_id=case_id,
            author_id=user,
            text=self.to_plain(strip_reply_command(text)),
            source_key=f"msg:{channel}:{message_ts}",
            show_existing=redelivered,
        )

    def _case_for_thread(self, channel: str, thread_ts: str) -> tuple[int | None, str | None]:
        """(the id of the case whose card starts this thread, the channel its case moved to), or neither.

        A card's ts is stored just after Slack answers, so a reply typed into a card that is seconds old
        may arrive first: for a thread that recent, wait for the ts briefly rather than drop the reply."""
        deadline = time.monotonic() + CARD_TS_WAIT
        while True:
            with self.deps.session() as session:
                case = case_for_thread(session, channel, thread_ts)
                if case is not None and case.id is not None:
                    return case.id, None
                moved = moved_case(session, channel, thread_ts)
                if moved is not None and moved.channel_id:
                    return None, moved.channel_id
            if not _is_recent(thread_ts) or time.monotonic() >= deadline:
                return None, None
            time.sleep(0.2)

    def create(
        self,
        *,
        case_id: int,
        author_id: str,
        text: str,
        in_reply_to: str | None = None,
        origin: DraftOrigin = DraftOrigin.HUMAN,
        ai_model: str | None = None,
        notes: str | None = None,
        source_key: str | None = None,
        enforce_length: bool = True,
        show_existing: bool = False,
    ) -> DraftOutcome:
        """Store a draft (checked as X would) and show it in the case thread."""
        # Slack text can carry what the store refuses (a NUL on PostgreSQL): clean it, never drop the draft.
        text, notes = clean_text(text), clean_optional(notes)
        ai_model = clean_optional(ai_model, AI_MODEL_LIMIT)
        homes = self.surfaces.approver_homes()  # a new draft waits for them on their Home tab
        with self.deps.session() as session:
            lock_case(session, case_id)  # a reply of this turn being marked sent now is seen (see below)
            case = session.get(Case, case_id)
            if case is None:
                return DraftOutcome(problem=messages.CASE_GONE)
            check = reply_check(session, case_id, text)
            if case.source == CaseSource.LISTEN:
                return DraftOutcome(problem=messages.LISTEN_NO_API_REPLY)
            if is_group_dm(case):
                return DraftOutcome(problem=GROUP_READ_ONLY)
            if source_key:
                existing = session.exec(select(Draft).where(Draft.source_key == source_key)).first()
                if existing is not None and not show_existing:  # a retried Slack event: already saved
                    return DraftOutcome(draft_id=existing.id)
                if existing is not None:
                    return self._shown(existing.id, existing.slack_ts, case.channel_id, case.thread_ts)
            if not check.ok and enforce_length:
                audit.record(
                    session,
                    AuditAction.DRAFT_REJECTED,
                    actor=author_id,
                    case_id=case_id,
                    length=check.length,
                    reason=check.problem,
                )
                return DraftOutcome(problem=check.problem)
            target = session.get(Tweet, in_reply_to) if in_reply_to else latest_customer_tweet(session, case)
            if target is None or target.case_id != case_id:
                return DraftOutcome(problem=messages.TARGET_NOT_IN_CASE)
            turn = current_turn(session, case)
            answered = answered_in(session, case_id, turn, besides=None)
            # Written after the turn was answered: a second reply, sent only on purpose (follow-up).
            born_superseded = answered is not None and answered.status == DraftStatus.SENT
            draft = Draft(
                case_id=case_id,
                turn_tweet_id=turn,
                in_reply_to_tweet_id=target.id,
                text=text,
                length=check.length,
                author_id=author_id,
                origin=origin,
                ai_model=ai_model,
                notes=self._notes(target, notes, check.problem),
                status=DraftStatus.SUPERSEDED if born_superseded else DraftStatus.PENDING,
                source_key=source_key,
            )
            session.add(draft)
            try:
                session.flush()
            except IntegrityError:
                # The same message handled twice at once (a retry seen by two processes): the other one
                # saved it, so the writer must not be told it was not saved.
                session.rollback()
                if source_key is None:
                    return DraftOutcome(problem=messages.DRAFT_ALREADY_SAVED)
                with self.deps.session() as fresh:
                    saved = fresh.exec(select(Draft).where(Draft.source_key == source_key)).first()
                    return DraftOutcome(draft_id=saved.id if saved else None)
            audit.record(
                session,
                AuditAction.DRAFT_CREATED,
                actor=author_id,
                case_id=case_id,
                draft_id=draft.id,
                origin=str(origin),
                length=check.length,
                ai_model=ai_model,
            )
            draft_id = draft.id
            assert draft_id is not None
            # Counted with the draft itself: a crash before Slack shows it leaves it for sweep().
            self.surfaces.touch(session, draft_key(draft_id), *homes)
        self.surfaces.show(draft_key(draft_id), *homes)
        return DraftOutcome(draft_id=draft_id)

    def _shown(
        self, draft_id: int | None, slack_ts: str | None, channel: str | None, thread_ts: str | None
    ) -> DraftOutcome:
        """A draft stored by an earlier run that died before showing it is shown now (and once: the draft
        surface posts with the lost-answer guard)."""
        if draft_id is not None and slack_ts is None and channel and thread_ts:
            self.surfaces.show(draft_key(draft_id))
        return DraftOutcome(draft_id=draft_id)

    def _notes(self, target: Tweet, notes: str | None, length_problem: str | None) -> str | None:
        parts = [n for n in (notes, length_problem) if n]
        brand = self.deps.brand_username()
        if target.source in DM_SOURCES:  # X's reply rule is about public replies
            return " ".join(parts) or None
        if brand and f"@{brand.lower()}" not in target.text.lower() and not target.quoted_tweet_id:
            parts.append(messages.reply_rule(brand))
        return " ".join(parts) or None

    def view(self, draft_id: int) -> DraftView | None:
        return self.surfaces.drafts.view(draft_id)

    def refresh(self, draft_id: int) -> None:
        """The draft changed outside a service transaction: show it (the newest state wins)."""
        self.surfaces.changed(draft_key(draft_id))

    def edit(self, draft_id: int, *, editor: str, text: str, expected_version: int) -> DraftOutcome:
        """Replace the text; any approval is reset, and a stale edit (someone else's first) is refused."""
        text = clean_text(text)
        with self.deps.session() as session:
            current = session.get(Draft, draft_id)
            check = reply_check(session, current.case_id if current else None, text)
        if not check.ok:
            return DraftOutcome(draft_id=draft_id, problem=check.problem)
        homes = self.surfaces.approver_homes()  # the text in their approval list changes
        with self.deps.session() as session:
            result = session.execute(
                update(Draft)
                .where(
                    col(Draft.id) == draft_id,
                    col(Draft.status).in_(EDITABLE),
                    col(Draft.error_ambiguous).is_(False),
                    col(Draft.version) == expected_version,
                )
                .values(
                    text=text,
                    length=check.length,
                    version=Draft.version + 1,
                    status=DraftStatus.PENDING,
                    approver_id=None,
                    approved_at=None,
                    first_attempt_at=None,
                    edited_by=editor,
                    last_error=None,
                    changes_requested_by=None,
                    changes_reason=None,
                    no_retry=False,
                    updated_at=utcnow(),
                )
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                return DraftOutcome(draft_id=draft_id, problem=self._why_locked(session, draft_id))
            draft = session.get(Draft, draft_id)
            assert draft is not None
            audit.record(
                session,
                AuditAction.DRAFT_EDITED,
                actor=editor,
                case_id=draft.case_id,
                draft_id=draft_id,
                length=check.length,
            )
            self.surfaces.touch(session, draft_key(draft_id), *homes)
        self.surfaces.show(draft_key(draft_id), *homes)
        return DraftOutcome(draft_id=draft_id)

    def discard(self, draft_id: int, *, user: str) -> Outcome:
        """Discard a draft that was not sent; it leaves the approvers' Home lists at once."""
        homes = self.surfaces.approver_homes()
        with self.deps.session() as session:
            result = session.execute(
                update(Draft)
                .where(
                    col(Draft.id) == draft_id,
                    col(Draft.status).in_(DISCARDABLE),
                    col(Draft.error_ambiguous).is_(False),
                )
                .values(status=DraftStatus.DISCARDED, updated_at=utcnow())
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                return refused(self._why_locked(session, draft_id))
            draft = session.get(Draft, draft_id)
            assert draft is not None
            audit.record(
                session, AuditAction.DRAFT_DISCARDED, actor=user, case_id=draft.case_id, draft_id=draft_id
            )
            self.surfaces.touch(session, draft_key(draft_id), *homes)
        self.surfaces.show(draft_key(draft_id), *homes)
        return DONE

    @staticmethod
    def _why_locked(session: Session, draft_id: int) -> str:
        draft = session.get(Draft, draft_id)
        if draft is None:
            return messages.DRAFT_GONE
        if draft.error_ambiguous:
            # Changing the text now could post a second, different reply if the first one went out.
            return (
                "X may have received this reply already. Press Retry first: slackbridge checks X and "
                "either records it as sent or tells you it was not posted; then you can edit or discard."
            )
        return {
            DraftStatus.SENDING: "This draft is being posted on X right now.",
            DraftStatus.SENT: "This draft was already sent on X.",
            DraftStatus.DISCARDED: "This draft was discarded.",
            DraftStatus.SUPERSEDED: (
                "Another reply already answered this customer post, so this draft is closed. An approver "
                "can use Send as follow-up to re-open it as a second reply."
            ),
        }.get(DraftStatus(draft.status), "Someone changed this draft meanwhile: look at its latest version.")
