"""Staff actions on cases and customers: claim a case, note a customer, track a post by hand."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update

from slackbridge.models import (
    AuditAction,
    Case,
    CaseSource,
    CaseStatus,
    CustomerNote,
    Tweet,
    TweetSource,
    utcnow,
)
from slackbridge.services import audit
from slackbridge.services.cases import Cases, card_view
from slackbridge.services.deps import Deps
from slackbridge.services.ingest import Ingest, count_usage
from slackbridge.services.lookups import find_customer
from slackbridge.services.storing import store_tweets
from slackbridge.slack.blocks.card import build_case_card, fallback_text
from slackbridge.slack.gateway import SlackError
from slackbridge.text import clean_text, escape_mrkdwn
from slackbridge.x.types import XError, XErrorKind

logger = logging.getLogger(__name__)

NOTE_LIMIT = 1000


@dataclass(frozen=True)
class AssignOutcome:
    won: bool
    assignee_id: str | None  # who has the case now
    message: str


@dataclass(frozen=True)
class TrackOutcome:
    case_id: int | None
    message: str


class Casework:
    def __init__(self, deps: Deps, cases: Cases, ingest: Ingest) -> None:
        self.deps = deps
        self.cases = cases
        self.ingest = ingest

    def assign(self, case_id: int, *, user: str) -> AssignOutcome:
        """Claim an unassigned case; of two simultaneous claims exactly one wins (conditional update)."""
        with self.deps.session() as session:
            won = session.execute(
                update(Case)
                .where(col(Case.id) == case_id, col(Case.assignee_id).is_(None))
                .values(assignee_id=user, updated_at=utcnow())
            ).rowcount  # type: ignore[attr-defined]
            case = session.get(Case, case_id)
            if case is None:
                return AssignOutcome(False, None, "That case no longer exists.")
            if won:
                audit.record(session, AuditAction.CASE_ASSIGNED, actor=user, case_id=case_id, assignee=user)
        if not won:
            holder = case.assignee_id
            if holder == user:
                return AssignOutcome(False, holder, f"Case #{case_id} is already yours.")
            return AssignOutcome(False, holder, f"<@{holder}> already has case #{case_id}.")
        self.cases.refresh_card(case_id)
        return AssignOutcome(True, user, f"Case #{case_id} is yours.")

    def add_note(self, handle: str, text: str, *, author: str) -> str | None:
        """Attach an internal note to a customer; returns a problem to show, or None."""
        text = clean_text(text).strip()
        if not text:
            return "Write the note after the handle, e.g. `note @jane prefers DMs`."
        if len(text) > NOTE_LIMIT:
            return f"Notes are limited to {NOTE_LIMIT} characters; this one has {len(text)}."
        with self.deps.session() as session:
            customer = find_customer(session, handle)
            if customer is None:
                who = escape_mrkdwn(handle)
                return f"No customer @{who} in our records yet: notes attach to people who wrote to us."
            session.add(CustomerNote(customer_id=customer.id, author_id=author, text=text))
            audit.record(session, AuditAction.NOTE_ADDED, actor=author, customer_id=customer.id)
            open_cases = session.exec(
                select(Case.id)
                .where(Case.customer_id == customer.id, Case.status != CaseStatus.RESOLVED)
                .order_by(col(Case.id).desc())
                .limit(5)
            ).all()
        for case_id in open_cases:  # the note shows on the cards people are working on now
            if case_id is not None:
                self.cases.refresh_card(case_id)
        return None

    def track(self, tweet_id: str, *, user: str) -> TrackOutcome:
        """Open a case for a post as if it had mentioned us; a listening hit moves to the main channel."""
        with self.deps.session() as session:
            tweet = session.get(Tweet, tweet_id)
            case_id = tweet.case_id if tweet else None
        if case_id is not None:
            return self.track_case(case_id, user=user)
        if tweet is None:
            problem = self._fetch(tweet_id)
            if problem:
                return TrackOutcome(None, problem)
        self.ingest.deliver_pending()
        with self.deps.session() as session:
            tweet = session.get(Tweet, tweet_id)
            case_id = tweet.case_id if tweet else None
            if case_id is not None:
                audit.record(session, AuditAction.CASE_OPENED, actor=user, case_id=case_id, tracked=tweet_id)
        if case_id is None:
            return TrackOutcome(
                None, "The post was stored but Slack did not show it yet; it will appear shortly."
            )
        return TrackOutcome(case_id, f"Tracking the post as case #{case_id}.")

    def track_case(self, case_id: int, *, user: str) -> TrackOutcome:
        """A listening case becomes a tracked one: a new card in the main channel, the old card says so."""
        with self.deps.session() as session:
            moved = session.execute(
                update(Case)
                .where(col(Case.id) == case_id, col(Case.source) == CaseSource.LISTEN)
                .values(source=CaseSource.TRACKED, channel_id=None, thread_ts=None, updated_at=utcnow())
            ).rowcount  # type: ignore[attr-defined]
            case = session.get(Case, case_id)
            if case is None:
                return TrackOutcome(None, "That case no longer exists.")
            if not moved:
                return TrackOutcome(case_id, f"Case #{case_id} is already tracked.")
            audit.record(session, AuditAction.CASE_OPENED, actor=user, case_id=case_id, tracked_from="listen")
            root = session.get(Tweet, case.root_tweet_id)
            old = (root.slack_channel, root.slack_ts) if root else (None, None)
            view = card_view(self.deps, session, case)
            channel = self.ingest.channel_for(case)
        try:
            ts = self.deps.slack.post(channel, fallback_text(view), build_case_card(view))
        except SlackError:
            logger.exception("casework.track_card_failed case=%s", case_id)
            return TrackOutcome(
                case_id, "Tracked, but Slack did not show the new card; try again in a moment."
            )
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            assert case is not None
            case.channel_id, case.thread_ts = channel, ts
            root = session.get(Tweet, case.root_tweet_id)
            if root is not None:  # the root now lives on the new card (card_view would call it "moved")
                root.slack_channel, root.slack_ts = channel, ts
                session.add(root)
            session.add(case)
            audit.record(session, AuditAction.CASE_CARDED, case_id=case_id, channel=channel, ts=ts)
        listen_view = replace(view, moved_to_channel=channel)
        if old[0] and old[1]:
            try:
                self.deps.slack.update(
                    old[0], old[1], fallback_text(listen_view), build_case_card(listen_view)
                )
            except SlackError:
                logger.exception("casework.listen_card_update_failed case=%s", case_id)
        return TrackOutcome(case_id, f"Tracking case #{case_id} in <#{channel}>.")

    def _fetch(self, tweet_id: str) -> str | None:
        """Read one post from X and store it as tracked; a problem in plain words, or None."""
        try:
            brand = self.deps.brand()
            found = self.deps.x.get_tweet(tweet_id)
        except XError as exc:
            if exc.kind == XErrorKind.NOT_FOUND:
                return f"X has no post {tweet_id}: it may have been deleted, or the link is wrong."
            return f"X could not be asked right now: {exc.message}"
        with self.deps.session() as session:
            count_usage(session, "lookup", reads=1)
        if found.author_id == brand.id:
            return "That is one of our own posts: there is nothing to track."
        try:
            with self.deps.session() as session:
                store_tweets(session, [found], TweetSource.TRACKED, brand_id=brand.id)
        except IntegrityError:  # stored by someone else a moment ago: fine
            logger.info("casework.track_race tweet=%s", tweet_id)
        return None
