"""Ingest: X posts become stored rows first, then Slack cards; a crash in between loses nothing."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from slackbridge.models import (
    AuditAction,
    Case,
    CaseSource,
    CaseStatus,
    Cursor,
    Tweet,
    TweetSource,
    XUsage,
    utcnow,
)
from slackbridge.services import audit
from slackbridge.services.cases import Cases, card_view, tweet_view
from slackbridge.services.deps import Deps
from slackbridge.services.lease import Lease
from slackbridge.services.storing import store_tweets
from slackbridge.slack.blocks.card import build_case_card, build_followup, fallback_text, followup_text
from slackbridge.slack.gateway import SlackError
from slackbridge.triage.types import Classification
from slackbridge.x.types import XTweet

logger = logging.getLogger(__name__)

MENTIONS_CURSOR = "mentions"
# Slack errors that mean "try again later" for every post, not just this one.
SLACK_UNAVAILABLE = {
    "unreachable",
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
}
# Errors that say the channel cannot take posts from us.
CHANNEL_ERRORS = {"channel_not_found", "not_in_channel", "is_archived", "restricted_action"}
CASE_SOURCE = {
    TweetSource.MENTION: CaseSource.MENTION,
    TweetSource.LISTEN: CaseSource.LISTEN,
    TweetSource.TRACKED: CaseSource.TRACKED,
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


DELIVERY_LEASE = "delivery.lease"
ATTEMPT_SLACK = 60.0  # seconds of clock difference allowed when looking for an earlier attempt on Slack
# Long enough for one post through Slack's pacing and a 429 wait; a crashed deliverer is replaced after it.
DELIVERY_LEASE_TTL = timedelta(minutes=3)


class Ingest:
    def __init__(self, deps: Deps, cases: Cases, classify: Classify | None = None) -> None:
        self.deps = deps
        self.cases = cases
        self.classify = classify
        self._deliver_lock = threading.Lock()  # threads of this process
        self._delivery = Lease(deps, DELIVERY_LEASE, DELIVERY_LEASE_TTL)  # other processes
        # Set by the casework service: turns a listening case into a tracked one in the care channel.
        self.promote_listening: Callable[[int], object] | None = None

    def poll_mentions(self) -> int:
        """Fetch every mention newer than the cursor; store them and the new cursor in one transaction."""
        brand = self.deps.brand()
        with self.deps.session() as session:
            since = get_cursor(session, MENTIONS_CURSOR)
        tweets: list[XTweet] = []
        newest: str | None = None
        token: str | None = None
        while True:
            page = self.deps.x.mentions(brand.id, since_id=since, pagination_token=token)
            newest = newest or page.newest_id
            tweets.extend(page.tweets)
            token = page.next_token
            # On the very first run, start from the newest page rather than replaying ~800 old posts.
            if not token or since is None:
                break
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
        """Show every stored post not yet in Slack; stop early when Slack fails (retried next round).

        One deliverer at a time across processes: when another holds the delivery lease, its round
        shows these posts, so this one does nothing."""
        delivered = 0
        with self._deliver_lock:
            if not self._delivery.acquire():
                logger.info("ingest.delivery_elsewhere: another process is delivering")
                return 0
            try:
                with self.deps.session() as session:
                    pending = session.exec(
                        select(Tweet.id)
                        .where(
                            col(Tweet.slack_ts).is_(None),
                            Tweet.source != TweetSource.OURS,
                            col(Tweet.deleted_at).is_(None),
                        )
                        .order_by(col(Tweet.created_at), col(Tweet.id))
                    ).all()
                for tweet_id in pending:
                    if not self._delivery.acquire():  # renewed before each post; lost only if we stalled
                        logger.warning("ingest.delivery_lease_lost tweet=%s", tweet_id)
                        break
                    try:
                        self._deliver(tweet_id)
                    except SlackError as exc:
                        if exc.code in SLACK_UNAVAILABLE:  # Slack itself is down or busy: wait for next round
                            logger.warning("ingest.delivery_paused tweet=%s error=%s", tweet_id, exc.code)
                            break
                        # Something about this post (e.g. a broken channel): retried next round, others go on.
                        logger.error("ingest.delivery_failed tweet=%s error=%s", tweet_id, exc.code)
                        continue
                    except Exception:  # one broken post must not hold back the others; retried next round
                        logger.exception("ingest.delivery_failed tweet=%s", tweet_id)
                        continue
                    delivered += 1
            finally:
                self._delivery.release()
        return delivered

    def _open_case(self, session: Session, tweet: Tweet, triaged: Classification | None = None) -> Case:
        case = session.exec(select(Case).where(Case.conversation_id == tweet.conversation_id)).first()
        if case is not None:
            tweet.case_id = case.id
            if case.status != CaseStatus.OPEN and tweet.source != TweetSource.LISTEN:
                case.status, case.resolved_at = CaseStatus.OPEN, None
                audit.record(session, AuditAction.CASE_REOPENED, case_id=case.id, tweet_id=tweet.id)
            if case.waiting_since is None and case.status == CaseStatus.OPEN:
                case.waiting_since = tweet.created_at
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
            if triaged.channel:  # a rule's own channel wins over the category's
                case.channel_id = self.channel_for(case, triaged.channel)
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
        settings = self.deps.settings
        if case.source == CaseSource.LISTEN and settings.listen_channel:
            return settings.listen_channel
        if triaged_channel:
            return triaged_channel
        return settings.category_channels.get(case.category or "", settings.slack_channel)

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
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            assert case is not None
            view = card_view(self.deps, session, case)
            channel = case.channel_id or self.channel_for(case)
        main = self.deps.settings.slack_channel
        found = self._already_posted(tweet_id, [channel, main])
        if found is not None:
            channel, ts = found
        else:
            text, blocks = fallback_text(view), build_case_card(view)
            try:
                channel, ts = self.deps.slack.post_message(channel, text, blocks, post_key=tweet_id)
            except SlackError as exc:
                if exc.code not in CHANNEL_ERRORS or channel == main:
                    raise
                # A routed channel that is archived or lacks the bot must not strand the post: use the main.
                logger.error(
                    "ingest.channel_unusable channel=%s error=%s fallback=%s", channel, exc.code, main
                )
                channel, ts = self.deps.slack.post_message(main, text, blocks, post_key=tweet_id)
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            tweet = session.get(Tweet, tweet_id)
            assert case is not None and tweet is not None
            case.channel_id, case.thread_ts = channel, ts
            tweet.slack_channel, tweet.slack_ts = channel, ts
            session.add_all([case, tweet])
            audit.record(session, AuditAction.CASE_CARDED, case_id=case_id, channel=channel, ts=ts)
            current = card_view(self.deps, session, case)
        if current != view:  # changed while the card was on its way (e.g. a click): show the latest
            self.cases.refresh_card(case_id)

    def _already_posted(
        self, tweet_id: str, channels: list[str], *, thread_ts: str | None = None
    ) -> tuple[str, str] | None:
        """Before showing a post, note the attempt; if an earlier attempt's outcome is unknown (Slack's
        answer lost, or the process died before saving the ts), look for that message instead of posting
        a second one. Returns (channel, ts) when it is already there."""
        with self.deps.session() as session:
            tweet = session.get(Tweet, tweet_id)
            assert tweet is not None
            earlier = tweet.slack_attempted_at
            if earlier is None:
                tweet.slack_attempted_at = utcnow()
                session.add(tweet)
                return None
        since = earlier.timestamp() - ATTEMPT_SLACK
        for channel in dict.fromkeys(channels):
            try:
                found = self.deps.slack.find_post(channel, tweet_id, since=since, thread_ts=thread_ts)
            except SlackError as exc:
                if exc.code in SLACK_UNAVAILABLE:
                    raise  # cannot tell: wait for the next round rather than risk a second message
                continue  # e.g. a channel we cannot read: it cannot hold our message either
            if found is not None:
                logger.info("ingest.found_posted tweet=%s channel=%s", tweet_id, found[0])
                return found
        return None

    def _post_followup(self, case_id: int, tweet_id: str) -> None:
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            tweet = session.get(Tweet, tweet_id)
            assert case is not None and tweet is not None and case.channel_id and case.thread_ts
            view = tweet_view(session, tweet)
            channel, thread_ts = case.channel_id, case.thread_ts
        found = self._already_posted(tweet_id, [channel], thread_ts=thread_ts)
        if found is not None:
            ts = found[1]
        else:
            text = followup_text(view)
            blocks = build_followup(case_id, view)
            ts = self.deps.slack.post(channel, text, blocks, thread_ts=thread_ts, post_key=tweet_id)
        with self.deps.session() as session:
            tweet = session.get(Tweet, tweet_id)
            assert tweet is not None
            tweet.slack_channel, tweet.slack_ts = channel, ts
            session.add(tweet)
        self.cases.refresh_card(case_id)
