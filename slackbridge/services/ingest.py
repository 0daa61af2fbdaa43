"""Ingest: X posts become stored rows first, then Slack cards; a crash in between loses nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from slackbridge.models import (
    AuditAction,
    Case,
    CaseOutcome,
    CaseSource,
    CaseStatus,
    Cursor,
    Tweet,
    TweetSource,
    XUsage,
    utcnow,
)
from slackbridge.services import audit
from slackbridge.services.cases import Cases
from slackbridge.services.claims import ClaimLost, DeliveryClaims
from slackbridge.services.deps import Deps
from slackbridge.services.dm_rules import keeps_case_status
from slackbridge.services.sla_clock import open_turn
from slackbridge.services.storing import store_tweets
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.surfaces import card_key
from slackbridge.slack.surfaces.base import Busy
from slackbridge.slack.surfaces.cards import channel_for
from slackbridge.slack.surfaces.guard import SLACK_UNAVAILABLE
from slackbridge.text import escape_code
from slackbridge.triage.types import Classification
from slackbridge.x.types import XTweet

logger = logging.getLogger(__name__)

MENTIONS_CURSOR = "mentions"
CASE_SOURCE = {
    TweetSource.MENTION: CaseSource.MENTION,
    TweetSource.LISTEN: CaseSource.LISTEN,
    TweetSource.TRACKED: CaseSource.TRACKED,
    TweetSource.DM: CaseSource.DM,
    TweetSource.DM_OURS: CaseSource.DM,
}


Triaged = Classification  # what triage decided for a new case (see slackbridge.triage)
Classify = Callable[[str], Classification]


def get_cursor(session: Session, name: str) -> str | None:
    row = session.get(Cursor, name)
    return row.value if row else None


def set_cursor(session: Session, name: str, value: str) -> None:
    row = session.get(Cursor, name)
    if row is None:
        session.add(Cursor(name=name, value=value))
    elif int(value) > int(row.value):
        row.value, row.updated_at = value, utcnow()
        session.add(row)


def count_usage(session: Session, purpose: str, *, reads: int = 0, writes: int = 0) -> None:
    """Add to today's X usage in one atomic upsert: concurrent writers never lose a count."""
    day = utcnow().strftime("%Y-%m-%d")
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = XUsage.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(day=day, purpose=purpose, reads=reads, writes=writes)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "purpose"],
        set_={"reads": table.c.reads + reads, "writes": table.c.writes + writes},
    )
    session.execute(statement)


FIRST_RUN_DAYS = 7  # with no cursor yet, read mentions this far back...
FIRST_RUN_PAGES = 10  # ...but no more pages than this (X's timeline reaches back ~800 posts anyway)
PARKED_NOTICE = (
    ":warning: X post {tweet_id} could not be shown here after {failures} tries (Slack said `{error}`). "
    "It is kept in the store; other posts carry on."
)


class Ingest:
    def __init__(self, deps: Deps, cases: Cases, classify: Classify | None = None) -> None:
        self.deps = deps
        self.cases = cases
        self.classify = classify
        self.claims = DeliveryClaims(deps)
        # Set by the casework service: turns a listening case into a tracked one in the care channel.
        self.promote_listening: Callable[[int], object] | None = None

    def poll_mentions(self) -> int:
        """Fetch every mention newer than the cursor; store them and the new cursor in one transaction."""
        brand = self.deps.brand()
        with self.deps.session() as session:
            since = get_cursor(session, MENTIONS_CURSOR)
        # The very first run reads back a bounded while (not the timeline's ~800 posts), so a first burst
        # of mentions is shown in full.
        start_time = utcnow() - timedelta(days=FIRST_RUN_DAYS) if since is None else None
        tweets: list[XTweet] = []
        newest: str | None = None
        token: str | None = None
        pages = 0
        while True:
            page = self.deps.x.mentions(
                brand.id, since_id=since, pagination_token=token, start_time=start_time
            )
            pages += 1
            newest = newest or page.newest_id
            tweets.extend(page.tweets)
            token = page.next_token
            if not token or (since is None and pages >= FIRST_RUN_PAGES):
                break
        if since is None:
            oldest = min((t.created_at for t in tweets), default=None)
            logger.info(
                "ingest.first_run pages=%d posts=%d looked_back_to=%s more_left=%s",
                pages,
                len(tweets),
                oldest.isoformat() if oldest else (start_time.isoformat() if start_time else None),
                bool(token),
            )
        with self.deps.session() as session:
            new_ids = store_tweets(session, tweets, TweetSource.MENTION, brand_id=brand.id)
            if tweets:
                count_usage(session, "mentions", reads=len(tweets))
            if newest:
                set_cursor(session, MENTIONS_CURSOR, newest)
        if new_ids:
            logger.info("ingest.stored count=%d", len(new_ids))
        return len(new_ids)

    def deliver_pending(self) -> int:
        """Show stored posts not yet in Slack, one claimed post at a time; returns how many were shown.

        Any number of processes may run this at once: each post is claimed by one of them. Slack being
        down stops the round (the next one retries); a post Slack refuses is counted and left for the
        next round, and parked after PARK_AFTER failures so it never holds the others back."""
        delivered = 0
        tried: set[str] = set()
        claims = self.claims
        while (tweet_id := claims.claim_next(tried)) is not None:
            tried.add(tweet_id)
            try:
                with claims.holding(tweet_id):
                    self._deliver(tweet_id)
            except ClaimLost:
                logger.warning("ingest.claim_lost tweet=%s worker=%s", tweet_id, claims.worker)
                continue
            except Busy:  # another process is rendering this post's card right now: not this post's fault
                claims.release(tweet_id)
                continue
            except SlackError as exc:
                claims.release(tweet_id)
                if exc.code in SLACK_UNAVAILABLE:  # Slack itself is down or busy: wait for the next round
                    logger.warning("ingest.delivery_paused tweet=%s error=%s", tweet_id, exc.code)
                    break
                logger.error("ingest.delivery_failed tweet=%s error=%s", tweet_id, exc.code)
                self._failed(tweet_id, exc.code)
                continue
            except Exception as exc:  # one broken post must not hold back the others
                logger.exception("ingest.delivery_failed tweet=%s", tweet_id)
                claims.release(tweet_id)
                self._failed(tweet_id, type(exc).__name__)
                continue
            claims.release(tweet_id)
            delivered += 1
        return delivered

    def _failed(self, tweet_id: str, error: str) -> None:
        """Count a failure of this post; when that parks it, say so once in the channel."""
        failures = self.claims.failed(tweet_id)
        if failures is None:
            return
        logger.error("ingest.delivery_parked tweet=%s failures=%d error=%s", tweet_id, failures, error)
        notice = PARKED_NOTICE.format(tweet_id=tweet_id, failures=failures, error=escape_code(error[:80]))
        try:
            self.deps.slack.post(self.deps.settings.slack_channel, notice, [])
        except SlackError as exc:  # the post stays parked and logged; the notice is not worth a retry loop
            logger.error("ingest.parked_notice_failed tweet=%s error=%s", tweet_id, exc.code)

    def _open_case(self, session: Session, tweet: Tweet, triaged: Classification | None = None) -> Case:
        case = session.exec(select(Case).where(Case.conversation_id == tweet.conversation_id)).first()
        if case is not None:
            tweet.case_id = case.id
            kept = tweet.source == TweetSource.LISTEN or keeps_case_status(case, tweet)
            if case.status != CaseStatus.OPEN and not kept:
                case.status, case.resolved_at = CaseStatus.OPEN, None
                case.outcome, case.resolution_seconds = None, None  # the next resolve says how it ended
                audit.record(session, AuditAction.CASE_REOPENED, case_id=case.id, tweet_id=tweet.id)
            if case.waiting_since is None and case.status == CaseStatus.OPEN and not kept:
                case.waiting_since = tweet.created_at
                open_turn(case, self.deps.settings.sla, tweet.created_at)  # the next response is due
            case.updated_at = utcnow()
            session.add_all([case, tweet])
            return case
        case = Case(
            conversation_id=tweet.conversation_id,
            root_tweet_id=tweet.id,
            customer_id=tweet.author_id,
            source=CASE_SOURCE[TweetSource(tweet.source)],
            status=CaseStatus.OPEN,
            waiting_since=tweet.created_at,
        )
        if triaged:
            case.category, case.sentiment, case.urgency = triaged.category, triaged.sentiment, triaged.urgency
            case.triage_reason, case.triage_stage = triaged.reason[:300], triaged.stage
            if triaged.category == "spam" and self.deps.settings.auto_resolve_spam:
                case.status, case.resolved_at, case.waiting_since = CaseStatus.RESOLVED, utcnow(), None
                case.outcome, case.resolution_seconds = CaseOutcome.SPAM, 0
            if triaged.channel:  # a rule's own channel wins over the category's
                case.channel_id = self.channel_for(case, triaged.channel)
        if case.status == CaseStatus.OPEN:
            open_turn(case, self.deps.settings.sla, tweet.created_at)
        session.add(case)
        session.flush()
        tweet.case_id = case.id
        session.add(tweet)
        audit.record(
            session,
            AuditAction.CASE_OPENED,
            case_id=case.id,
            tweet_id=tweet.id,
            category=case.category,
            stage=case.triage_stage,
        )
        return case

    def channel_for(self, case: Case, triaged_channel: str | None = None) -> str:
        return channel_for(self.deps.settings, case, triaged_channel)

    def _triage(self, tweet_id: str) -> Classification | None:
        """Classify a post that will open a new case, outside any transaction (the model may be slow)."""
        if self.classify is None:
            return None
        with self.deps.session() as session:
            tweet = session.get(Tweet, tweet_id)
            if tweet is None or tweet.slack_ts is not None:
                return None
            known = session.exec(select(Case.id).where(Case.conversation_id == tweet.conversation_id)).first()
            text = tweet.text
        return None if known is not None else self.classify(text)

    def _deliver(self, tweet_id: str) -> None:
        triaged = self._triage(tweet_id)
        with self.deps.session() as session:
            tweet = session.get(Tweet, tweet_id)
            if tweet is None or tweet.slack_ts is not None:
                return
            try:
                case = self._open_case(session, tweet, triaged)
            except IntegrityError:  # another worker opened the conversation's case first
                session.rollback()
                tweet = session.get(Tweet, tweet_id)
                assert tweet is not None
                case = self._open_case(session, tweet, triaged)
            assert case.id is not None
            case_id = case.id
            # The author of a watched conversation now mentions us: it can be answered by API, so the case
            # leaves the listening channel for the care workflow (new card, pointer on the old one).
            promote = case.source == CaseSource.LISTEN and tweet.source != TweetSource.LISTEN
            if case.thread_ts is None and case.status == CaseStatus.RESOLVED:
                # Auto-resolved spam: stored and searchable, never carded.
                tweet.slack_channel, tweet.slack_ts = "", ""
                session.add(tweet)
                return
        if promote and self.promote_listening is not None:
            self.promote_listening(case_id)
            with self.deps.session() as session:
                promoted = session.get(Case, case_id)
                assert promoted is not None
                case = promoted
        if case.thread_ts is None:
            self._post_card(case_id, tweet_id)
        else:
            self._post_followup(case_id, tweet_id)

    def _post_card(self, case_id: int, tweet_id: str) -> None:
        surfaces = self.cases.surfaces
        self.claims.still_mine(tweet_id)
        if not surfaces.cards.post_card(case_id, tweet_id):  # another post of the case got the card first
            self._post_followup(case_id, tweet_id)
            return
        surfaces.show(card_key(case_id))  # changed while the card was on its way (e.g. a click)

    def _post_followup(self, case_id: int, tweet_id: str) -> None:
        self.claims.still_mine(tweet_id)
        self.cases.surfaces.cards.post_followup(case_id, tweet_id)
        self.cases.surfaces.changed(card_key(case_id))  # e.g. reopened by the customer's new post
