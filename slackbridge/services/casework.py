"""Staff actions on cases and customers: note a customer, track a post by hand (owners: ownership.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update

from slackbridge import messages
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
from slackbridge.services.cases import Cases
from slackbridge.services.deps import Deps
from slackbridge.services.ingest import Ingest, count_usage
from slackbridge.services.lookups import find_customer
from slackbridge.services.outcome import Outcome
from slackbridge.services.storing import store_tweets
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.surfaces import card_key
from slackbridge.slack.surfaces.base import Busy
from slackbridge.text import clean_text, escape_mrkdwn
from slackbridge.x.types import XError, XErrorKind

logger = logging.getLogger(__name__)

NOTE_LIMIT = 1000


@dataclass(frozen=True)
class TrackOutcome(Outcome):
    case_id: int | None = None


class Casework:
    def __init__(self, deps: Deps, cases: Cases, ingest: Ingest) -> None:
        self.deps = deps
        self.cases = cases
        self.ingest = ingest

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
            # The note shows on the cards people are working on now.
            keys = [card_key(case_id) for case_id in open_cases if case_id is not None]
            self.cases.surfaces.touch(session, *keys)
        self.cases.surfaces.show(*keys)
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
                return TrackOutcome(False, problem)
        self.ingest.deliver_pending()
        with self.deps.session() as session:
            tweet = session.get(Tweet, tweet_id)
            case_id = tweet.case_id if tweet else None
            if case_id is not None:
                audit.record(session, AuditAction.CASE_OPENED, actor=user, case_id=case_id, tracked=tweet_id)
        if case_id is None:
            return TrackOutcome(
                False, "The post was stored but Slack did not show it yet; it will appear shortly."
            )
        return TrackOutcome(True, f"Tracking the post as case #{case_id}.", case_id)

    def track_case(self, case_id: int, *, user: str) -> TrackOutcome:
        """A listening case becomes a tracked one: a new card in the main channel, the old card says so.

        Pressed again after Slack failed, it finishes the move (finding a card whose answer was lost)."""
        with self.deps.session() as session:
            tracked = session.execute(
                update(Case)
                .where(col(Case.id) == case_id, col(Case.source) == CaseSource.LISTEN)
                .values(source=CaseSource.TRACKED, updated_at=utcnow())
            ).rowcount  # type: ignore[attr-defined]
            case = session.get(Case, case_id)
            if case is None:
                return TrackOutcome(False, messages.CASE_GONE)
            target = self.ingest.channel_for(case)
            if tracked:
                audit.record(
                    session, AuditAction.CASE_OPENED, actor=user, case_id=case_id, tracked_from="listen"
                )
                self.cases.surfaces.touch(session, card_key(case_id))
            elif case.source != CaseSource.TRACKED or case.channel_id == target or case.thread_ts is None:
                return TrackOutcome(False, f"Case #{case_id} is already tracked.", case_id)
        try:
            moved = self.cases.surfaces.cards.move(case_id, target)
        except (SlackError, Busy):
            logger.exception("casework.track_card_failed case=%s", case_id)
            return TrackOutcome(
                False, "Tracked, but Slack did not show the new card; press Track again in a moment.", case_id
            )
        self.cases.surfaces.show(card_key(case_id))  # e.g. tracked where it already was: new buttons
        channel = moved[0] if moved else target
        return TrackOutcome(True, f"Tracking case #{case_id} in <#{channel}>.", case_id)

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
