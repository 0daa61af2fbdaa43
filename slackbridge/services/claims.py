"""Delivery claims: which process is showing which stored post in Slack, so each is shown once.

A process claims one waiting post at a time (`tweet.claimed_by`, `claimed_until`): short, so a crash delays
only that post, for seconds; renewed while the post is under way (Slack's pacing, a 429 wait), so a slow
post is not taken over. A claim past `claimed_until` is free: the taker's lost-answer guard then finds a
message the dead process had already posted.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from slackbridge.models import Tweet, TweetSource, utcnow
from slackbridge.services.deps import Deps
from slackbridge.services.leadership import new_holder_id

logger = logging.getLogger(__name__)

CLAIM = timedelta(seconds=20)
CLAIM_RENEW_SECONDS = 5.0
# No post takes this long (Slack's 15 s timeout, a few 429 waits): a delivery still running is stuck, so the
# claim is left to lapse and another process shows the post (its lost-answer guard looks first).
MAX_HOLD_SECONDS = 120.0
PARK_AFTER = 3  # failures of one post before it is parked (a notice instead of a card)
CLAIM_TRIES = 5  # candidates tried when other processes keep winning the race for them


class ClaimLost(Exception):
    """Another process took this post over (our claim ran out): leave it to that process."""


class DeliveryClaims:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.worker = new_holder_id()  # names this instance in tweet.claimed_by

    def claim_next(self, skip: set[str]) -> str | None:
        """Claim the oldest post waiting to be shown that nobody holds, or None when there is none.

        A post waits while an earlier post of its conversation is not shown yet (the card before its
        follow-ups). PostgreSQL skips rows another process is claiming (FOR UPDATE SKIP LOCKED); on both
        databases the claim itself is a compare-and-set on claimed_until."""
        for _ in range(CLAIM_TRIES):
            now = utcnow()
            with self.deps.session() as session:
                query = _waiting(now)
                if skip:
                    query = query.where(col(Tweet.id).not_in(skip))
                if session.get_bind().dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True, of=Tweet)
                tweet_id = session.execute(query).scalar()
                if tweet_id is None:
                    return None
                taken = session.execute(
                    sa.update(Tweet)
                    .where(
                        col(Tweet.id) == tweet_id,
                        col(Tweet.slack_ts).is_(None),
                        col(Tweet.claimed_until).is_(None) | (col(Tweet.claimed_until) < now),
                    )
                    .values(claimed_by=self.worker, claimed_until=now + CLAIM)
                ).rowcount  # type: ignore[attr-defined]
            if taken == 1:
                return str(tweet_id)
        return None

    def renew(self, tweet_id: str) -> bool:
        with self.deps.session() as session:
            kept = session.execute(
                sa.update(Tweet)
                .where(col(Tweet.id) == tweet_id, col(Tweet.claimed_by) == self.worker)
                .values(claimed_until=utcnow() + CLAIM)
            ).rowcount  # type: ignore[attr-defined]
        return bool(kept)

    def still_mine(self, tweet_id: str) -> None:
        """Right before a message goes to Slack: renew the claim, or stop if another process has the post."""
        if not self.renew(tweet_id):
            raise ClaimLost(tweet_id)

    @contextmanager
    def holding(self, tweet_id: str) -> Iterator[None]:
        """Keep the claim alive while the post is under way (pacing, 429 waits, a slow model)."""
        done = threading.Event()
        deliverer = threading.get_ident()
        started = time.monotonic()

        def keep() -> None:
            while not done.wait(CLAIM_RENEW_SECONDS):
                if time.monotonic() - started > MAX_HOLD_SECONDS:
                    frame = sys._current_frames().get(deliverer)
                    where = "".join(traceback.format_stack(frame)[-6:]) if frame else "(finished)"
                    logger.error(
                        "claims.held_too_long tweet=%s; letting the claim lapse at:\n%s", tweet_id, where
                    )
                    return
                try:
                    if not self.renew(tweet_id):
                        return
                except Exception:  # the next renewal (or the claim's expiry) settles it
                    logger.warning("claims.renew_failed tweet=%s", tweet_id, exc_info=True)

        keeper = threading.Thread(target=keep, name=f"claim-{tweet_id}", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            done.set()
            keeper.join()

    def release(self, tweet_id: str) -> None:
        with self.deps.session() as session:
            session.execute(
                sa.update(Tweet)
                .where(col(Tweet.id) == tweet_id, col(Tweet.claimed_by) == self.worker)
                .values(claimed_by=None, claimed_until=None)
            )

    def failed(self, tweet_id: str) -> int | None:
        """Count a failure of this post; returns its failure count when this one parked it, else None."""
        with self.deps.session() as session:
            session.execute(
                sa.update(Tweet)
                .where(col(Tweet.id) == tweet_id)
                .values(delivery_failures=col(Tweet.delivery_failures) + 1)
            )
            parked = session.execute(
                sa.update(Tweet)
                .where(
                    col(Tweet.id) == tweet_id,
                    col(Tweet.delivery_failures) >= PARK_AFTER,
                    col(Tweet.parked_at).is_(None),
                    col(Tweet.slack_ts).is_(None),
                )
                .values(parked_at=utcnow())
            ).rowcount  # type: ignore[attr-defined]
            tweet = session.get(Tweet, tweet_id)
            failures = tweet.delivery_failures if tweet else PARK_AFTER
        return failures if parked else None


def _waiting(now: datetime) -> sa.Select[str]:
    """The oldest post waiting to be shown: not in Slack, not parked or deleted, not held by anyone, and
    no earlier post of its conversation still waiting."""
    earlier = sa.orm.aliased(Tweet)
    before = sa.exists().where(
        col(earlier.conversation_id) == col(Tweet.conversation_id),
        col(earlier.slack_ts).is_(None),
        col(earlier.source) != TweetSource.OURS,
        col(earlier.deleted_at).is_(None),
        col(earlier.parked_at).is_(None),
        (col(earlier.created_at) < col(Tweet.created_at))
        | ((col(earlier.created_at) == col(Tweet.created_at)) & (col(earlier.id) < col(Tweet.id))),
    )
    return (
        sa.select(col(Tweet.id))
        .where(
            col(Tweet.slack_ts).is_(None),
            col(Tweet.source) != TweetSource.OURS,
            col(Tweet.deleted_at).is_(None),
            col(Tweet.parked_at).is_(None),
            col(Tweet.claimed_until).is_(None) | (col(Tweet.claimed_until) < now),
            ~before,
        )
        .order_by(col(Tweet.created_at), col(Tweet.id))
        .limit(1)
    )
