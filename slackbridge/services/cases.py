"""Cases: finding them, showing them as cards, resolving and reopening them."""

from __future__ import annotations

import logging

from sqlmodel import Session, col, select, update

from slackbridge.models import (
    AuditAction,
    Case,
    CaseStatus,
    Customer,
    CustomerNote,
    Tweet,
    TweetSource,
    utcnow,
)
from slackbridge.services import audit
from slackbridge.services.deps import Deps
from slackbridge.services.locks import StripedLocks
from slackbridge.slack.blocks.card import AuthorView, CardView, TweetView, build_case_card, fallback_text
from slackbridge.slack.gateway import SlackError

logger = logging.getLogger(__name__)


def case_for_thread(session: Session, channel: str, thread_ts: str) -> Case | None:
    return session.exec(select(Case).where(Case.channel_id == channel, Case.thread_ts == thread_ts)).first()


def customer_tweets(session: Session, case: Case) -> list[Tweet]:
    """The customer-side posts of a case, oldest first (ours excluded)."""
    return list(
        session.exec(
            select(Tweet)
            .where(
                Tweet.case_id == case.id, Tweet.source != TweetSource.OURS, col(Tweet.deleted_at).is_(None)
            )
            .order_by(col(Tweet.created_at), col(Tweet.id))
        )
    )


def latest_customer_tweet(session: Session, case: Case) -> Tweet | None:
    tweets = customer_tweets(session, case)
    return tweets[-1] if tweets else None


def author_view(session: Session, author_id: str) -> AuthorView:
    customer = session.get(Customer, author_id)
    if customer is None:
        return AuthorView(username="unknown", name="Unknown account")
    return AuthorView(
        username=customer.username,
        name=customer.name,
        followers_count=customer.followers_count,
        verified=customer.verified,
    )


def tweet_view(session: Session, tweet: Tweet) -> TweetView:
    text = tweet.text if tweet.deleted_at is None else "(deleted on X)"
    return TweetView(
        id=tweet.id, text=text, created_at=tweet.created_at, author=author_view(session, tweet.author_id)
    )


def card_view(deps: Deps, session: Session, case: Case) -> CardView:
    assert case.id is not None
    root = session.get(Tweet, case.root_tweet_id)
    if root is None:  # never expected: the root tweet is stored before its case
        raise LookupError(f"case {case.id} has no root tweet {case.root_tweet_id}")
    notes = session.exec(
        select(CustomerNote.text)
        .where(CustomerNote.customer_id == case.customer_id)
        .order_by(col(CustomerNote.id))
    ).all()
    moved = None
    if case.channel_id and root.slack_channel and case.channel_id != root.slack_channel:
        moved = case.channel_id
    return CardView(
        case_id=case.id,
        status=case.status,
        tweet=tweet_view(session, root),
        source=case.source,
        category=case.category,
        sentiment=case.sentiment,
        urgency=case.urgency,
        triage_reason=case.triage_reason,
        assignee_id=case.assignee_id,
        notes=list(notes),
        suggestions_enabled=True,
        moved_to_channel=moved,
        urgent_group=deps.settings.urgent_notify_group,
    )


class Cases:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._rendering = StripedLocks()

    def refresh_card(self, case_id: int) -> None:
        """Re-render the case card in place after a change; a Slack failure is logged, not raised.

        The latest state wins: see locks.py."""
        with self._rendering(case_id):
            with self.deps.session() as session:
                case = session.get(Case, case_id)
                if case is None or case.thread_ts is None or case.channel_id is None:
                    return
                view = card_view(self.deps, session, case)
                channel, ts = case.channel_id, case.thread_ts
            try:
                self.deps.slack.update(channel, ts, fallback_text(view), build_case_card(view))
            except SlackError:
                logger.exception("case.card_refresh_failed case=%s", case_id)

    def set_status(self, case_id: int, status: CaseStatus, *, actor: str) -> str:
        """Resolve or reopen; returns what to tell the person who clicked."""
        allowed_from = {
            CaseStatus.RESOLVED: [CaseStatus.OPEN, CaseStatus.WAITING],
            CaseStatus.OPEN: [CaseStatus.RESOLVED, CaseStatus.WAITING],
        }[status]
        now = utcnow()
        values: dict[str, object] = {"status": status, "updated_at": now}
        if status == CaseStatus.RESOLVED:
            values.update(resolved_at=now, waiting_since=None)
        else:
            values.update(resolved_at=None, waiting_since=now)
        with self.deps.session() as session:
            result = session.execute(
                update(Case)
                .where(col(Case.id) == case_id, col(Case.status).in_(allowed_from))
                .values(**values)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                case = session.get(Case, case_id)
                if case is None:
                    return "That case no longer exists."
                return f"Case #{case_id} is already {case.status}."
            action = AuditAction.CASE_RESOLVED if status == CaseStatus.RESOLVED else AuditAction.CASE_REOPENED
            audit.record(session, action, actor=actor, case_id=case_id)
        self.refresh_card(case_id)
        return f"Case #{case_id} is now {status}."
