"""X posts become rows: every value cleaned and fitted to its column, each post in its own savepoint."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, SQLModel, col, select

from slackbridge.db import hold_write_lock
from slackbridge.models import AuditAction, Customer, Tweet, TweetSource, utcnow
from slackbridge.services import audit
from slackbridge.text import clean_text
from slackbridge.x.types import XTweet, XUser

logger = logging.getLogger(__name__)


def _fit(table: type[SQLModel], column: str, value: str) -> str:
    """A cleaned string that fits its column (VARCHAR(n) counts characters): a post can always be stored."""
    length = getattr(table.__table__.c[column].type, "length", None)  # type: ignore[attr-defined]
    return clean_text(value, length)


def _fit_optional(table: type[SQLModel], column: str, value: str | None) -> str | None:
    return _fit(table, column, value) or None if value is not None else None


def _fit_id(table: type[SQLModel], column: str, value: str | None) -> str | None:
    """An id is exact or nothing: one that does not fit is dropped rather than cut into another id."""
    if value is None:
        return None
    cleaned = clean_text(value)
    return cleaned if cleaned and cleaned == _fit(table, column, cleaned) else None


def upsert_customer(session: Session, user: XUser) -> None:
    row = session.get(Customer, user.id)
    if row is None:
        row = Customer(id=user.id, username="", name="")
    row.username = _fit(Customer, "username", user.username)
    row.name = _fit(Customer, "name", user.name)
    row.followers_count, row.verified = user.followers_count, user.verified
    # A cut URL points somewhere else: one too long for the column is left out.
    row.profile_image_url = _fit_id(Customer, "profile_image_url", user.profile_image_url)
    row.updated_at = utcnow()
    session.add(row)


UNSTORABLE_TEXT = "(This post could not be stored as written. Open it on X to read it.)"


def _tweet_row(tweet: XTweet, source: TweetSource) -> Tweet:
    return Tweet(
        id=tweet.id,
        author_id=_fit(Tweet, "author_id", tweet.author_id),
        conversation_id=_fit_id(Tweet, "conversation_id", tweet.conversation_id) or tweet.id,
        text=clean_text(tweet.text),
        created_at=tweet.created_at,
        in_reply_to_tweet_id=_fit_id(Tweet, "in_reply_to_tweet_id", tweet.in_reply_to_tweet_id),
        quoted_tweet_id=_fit_id(Tweet, "quoted_tweet_id", tweet.quoted_tweet_id),
        lang=_fit_optional(Tweet, "lang", tweet.lang),
        source=source,
    )


def _minimal_row(tweet: XTweet, source: TweetSource) -> Tweet:
    """What is left of a post the store refused: enough to card it, with a pointer to X for the text."""
    created_at = tweet.created_at if isinstance(tweet.created_at, datetime) else None
    if created_at is None or created_at.tzinfo is None:
        created_at = utcnow()
    return Tweet(
        id=tweet.id,
        author_id=_fit(Tweet, "author_id", tweet.author_id),
        conversation_id=tweet.id,
        text=UNSTORABLE_TEXT,
        created_at=created_at,
        source=source,
    )


def _store_one(session: Session, tweet: XTweet, source: TweetSource, *, minimal: bool) -> None:
    """One post (and its author) in its own savepoint: a failure undoes only this post."""
    with session.begin_nested():
        if tweet.author and not minimal:
            upsert_customer(session, tweet.author)
        session.add(_minimal_row(tweet, source) if minimal else _tweet_row(tweet, source))
        audit.record(session, AuditAction.TWEET_STORED, tweet_id=tweet.id, source=str(source))


def _post_order(tweet: XTweet) -> tuple[int, str]:
    return (int(tweet.id) if tweet.id.isdigit() else 0, tweet.id)


# The store is busy or gone, not refusing this post: the whole round is retried, nothing is skipped.
TRANSIENT_STORE_ERRORS = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PendingRollbackError,
    PoolTimeout,
)


def store_tweets(
    session: Session, tweets: Iterable[XTweet], source: TweetSource, *, brand_id: str
) -> list[str]:
    """Insert posts we have not seen, skipping our own and plain retweets; returns the new ids.

    One post the store refuses never holds back the others: it is stored as far as possible (a minimal
    row that still gets a card) or skipped, and the log names its id and the error class, never its text."""
    wanted = []
    for tweet in sorted(tweets, key=_post_order):
        if tweet.author_id == brand_id or tweet.is_retweet:
            continue
        if not tweet.id or _fit_id(Tweet, "id", tweet.id) is None:
            logger.error("ingest.store_skipped tweet=%s error=BadId", clean_text(tweet.id, 32))
            continue
        wanted.append(tweet)
    if not wanted:
        return []
    # Read what exists before writing: inside the savepoints only writes remain (see db.hold_write_lock).
    ids = [t.id for t in wanted]
    known = set(session.exec(select(Tweet.id).where(col(Tweet.id).in_(ids))).all())
    authors = {t.author.id for t in wanted if t.author}
    if authors:
        session.exec(select(Customer).where(col(Customer.id).in_(authors))).all()  # into the identity map
    hold_write_lock(session)
    new_ids = []
    for tweet in wanted:
        if tweet.id in known or tweet.id in new_ids:
            continue
        try:
            _store_one(session, tweet, source, minimal=False)
        except TRANSIENT_STORE_ERRORS:
            raise
        except Exception as exc:  # one post's data, whatever the error, must not stop the batch
            if isinstance(exc, IntegrityError) and session.get(Tweet, tweet.id) is not None:
                logger.info("ingest.stored_elsewhere tweet=%s", tweet.id)  # another worker was first
                continue
            logger.error("ingest.store_failed tweet=%s error=%s", tweet.id, type(exc).__name__)
            try:
                _store_one(session, tweet, source, minimal=True)
            except TRANSIENT_STORE_ERRORS:
                raise
            except Exception as again:
                logger.error("ingest.store_skipped tweet=%s error=%s", tweet.id, type(again).__name__)
                continue
            logger.warning("ingest.stored_minimal tweet=%s", tweet.id)
        new_ids.append(tweet.id)
    return new_ids
