"""X's developer rules: a post deleted on X is deleted from the store (and from Slack) within 24 hours."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from slackbridge.models import AuditAction, Case, Tweet, utcnow
from slackbridge.services import audit
from slackbridge.services.cases import Cases, tweet_view
from slackbridge.services.deps import Deps
from slackbridge.services.ingest import count_usage
from slackbridge.slack.blocks.card import build_followup
from slackbridge.slack.gateway import SlackError

logger = logging.getLogger(__name__)

DELETED_TEXT = ""  # the text is wiped; the row stays so ids, audit and counts remain consistent


class Compliance:
    def __init__(self, deps: Deps, cases: Cases, window: timedelta = timedelta(days=7)) -> None:
        self.deps = deps
        self.cases = cases
        self.window = window

    def sweep(self) -> int:
        """Look up recent stored posts on X and forget those deleted there; returns how many."""
        since = utcnow() - self.window
        with self.deps.session() as session:
            ids = list(
                session.exec(
                    select(Tweet.id).where(
                        col(Tweet.deleted_at).is_(None),
                        sa.or_(col(Tweet.created_at) >= since, col(Tweet.stored_at) >= since),
                    )
                )
            )
        if not ids:
            return 0
        alive = {t.id for t in self.deps.x.get_tweets(ids)}
        with self.deps.session() as session:
            count_usage(session, "compliance", reads=len(ids))
        gone = [tweet_id for tweet_id in ids if tweet_id not in alive]
        for tweet_id in gone:
            self.forget(tweet_id)
        return len(gone)

    def forget(self, tweet_id: str) -> None:
        """Wipe a post's text and show it as deleted wherever Slack displays it."""
        with self.deps.session() as session:
            tweet = session.get(Tweet, tweet_id)
            if tweet is None or tweet.deleted_at is not None:
                return
            tweet.text, tweet.deleted_at = DELETED_TEXT, utcnow()
            session.add(tweet)
            audit.record(session, AuditAction.TWEET_DELETED_ON_X, case_id=tweet.case_id, tweet_id=tweet_id)
            case = session.get(Case, tweet.case_id) if tweet.case_id else None
            is_root = case is not None and case.root_tweet_id == tweet_id
            followup = None
            if case is not None and not is_root and tweet.slack_channel and tweet.slack_ts:
                assert case.id is not None
                followup = (case.id, tweet.slack_channel, tweet.slack_ts, tweet_view(session, tweet))
        logger.info("compliance.deleted tweet=%s", tweet_id)
        if case is not None and is_root and case.id is not None:
            self.cases.refresh_card(case.id)
        if followup is not None:
            case_id, channel, ts, view = followup
            try:
                self.deps.slack.update(channel, ts, "A post deleted on X", build_followup(case_id, view))
            except SlackError:
                logger.exception("compliance.slack_update_failed tweet=%s", tweet_id)
