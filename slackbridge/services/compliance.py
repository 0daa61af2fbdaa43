"""X's developer rules: a post deleted on X is deleted from the store (and from Slack) within 24 hours."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from slackbridge.models import AuditAction, Case, Cursor, Tweet, utcnow
from slackbridge.services import audit
from slackbridge.services.cases import Cases
from slackbridge.services.deps import Deps
from slackbridge.services.dm_rules import DM_SOURCES
from slackbridge.services.ingest import count_usage
from slackbridge.slack.surfaces import card_key, followup_key

logger = logging.getLogger(__name__)

DELETED_TEXT = ""  # the text is wiped; the row stays so ids, audit and counts remain consistent


JOB_CURSOR = "compliance.job"  # the id of the batch job in flight, if any
DONE_CURSOR = "compliance.done"  # when the last full check finished (ISO time)


class Compliance:
    """Finds stored posts that were deleted on X and forgets them, at least every `every` (X allows 24 h).

    With an app-only bearer token it uses X's batch compliance jobs: every stored post is checked, and
    nothing is billed as a post read. Without one it looks the last `window` of posts up, in batches of
    100, which X bills as reads. `sweep` is called often (every few minutes): it only acts when a check
    is due or a job is in flight, so a restart never loses a job and never starts a second one.
    """

    def __init__(
        self,
        deps: Deps,
        cases: Cases,
        window: timedelta = timedelta(days=7),
        every: timedelta = timedelta(hours=12),
    ) -> None:
        self.deps = deps
        self.cases = cases
        self.window = window
        self.every = every

    def sweep(self) -> int:
        """One round; returns how many posts were forgotten."""
        if self.deps.x.has_app_token:
            return self._batch_round()
        if not self._due():
            return 0
        forgotten = self._lookup_recent()
        self._set_state(DONE_CURSOR, utcnow().isoformat())
        return forgotten

    # -- batch compliance jobs -----------------------------------------------------------------------------

    def _batch_round(self) -> int:
        job_id = self._state(JOB_CURSOR)
        if job_id is not None:
            return self._follow_job(job_id)
        if not self._due():
            return 0
        with self.deps.session() as session:
            ids = list(
                session.exec(
                    select(Tweet.id).where(
                        col(Tweet.deleted_at).is_(None),
                        col(Tweet.source).not_in(DM_SOURCES),  # DMs are not posts: X's checks are for posts
                    )
                )
            )
        if not ids:
            self._set_state(DONE_CURSOR, utcnow().isoformat())
            return 0
        job = self.deps.x.create_compliance_job(name=f"slackbridge-{utcnow():%Y%m%dT%H%M}")
        self._set_state(JOB_CURSOR, job.id)  # saved before the upload: a crash now leaves a job to follow
        self.deps.x.upload_compliance_ids(job, ids)
        logger.info("compliance.job_started job=%s posts=%s", job.id, len(ids))
        return 0

    def _follow_job(self, job_id: str) -> int:
        job = self.deps.x.get_compliance_job(job_id)
        if job.status in ("created", "in_progress"):
            return 0  # X is still working (a job never uploaded expires, and is replaced below)
        if job.status != "complete":
            logger.warning("compliance.job_ended job=%s status=%s: starting a new one", job_id, job.status)
            self._set_state(JOB_CURSOR, None)
            return 0
        events = self.deps.x.download_compliance_results(job)
        forgotten = 0
        for event in events:
            if event.action == "delete" and self.forget(event.tweet_id, reason=event.reason):
                forgotten += 1
        self._set_state(JOB_CURSOR, None)
        self._set_state(DONE_CURSOR, utcnow().isoformat())
        logger.info("compliance.job_done job=%s events=%s forgotten=%s", job_id, len(events), forgotten)
        return forgotten

    # -- lookups (no bearer token) -------------------------------------------------------------------------

    def _lookup_recent(self) -> int:
        since = utcnow() - self.window
        with self.deps.session() as session:
            ids = list(
                session.exec(
                    select(Tweet.id).where(
                        col(Tweet.deleted_at).is_(None),
                        col(Tweet.source).not_in(DM_SOURCES),
                        sa.or_(col(Tweet.created_at) >= since, col(Tweet.stored_at) >= since),
                    )
                )
            )
        if not ids:
            return 0
        alive = {t.id for t in self.deps.x.get_tweets(ids)}
        with self.deps.session() as session:
            count_usage(session, "compliance", reads=len(ids))
        return sum(1 for tweet_id in ids if tweet_id not in alive and self.forget(tweet_id, reason="deleted"))

    # -- state ---------------------------------------------------------------------------------------------

    def _due(self) -> bool:
        done = self._state(DONE_CURSOR)
        return done is None or utcnow() - datetime.fromisoformat(done) >= self.every

    def _state(self, name: str) -> str | None:
        with self.deps.session() as session:
            row = session.get(Cursor, name)
            return row.value if row else None

    def _set_state(self, name: str, value: str | None) -> None:
        with self.deps.session() as session:
            row = session.get(Cursor, name)
            if value is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(Cursor(name=name, value=value))
            else:
                row.value, row.updated_at = value, utcnow()
                session.add(row)

    def forget(self, tweet_id: str, *, reason: str = "deleted") -> bool:
        """Wipe a post's text and show it as deleted wherever Slack displays it; False if nothing to do.

        X's other reasons (the account suspended, protected or deactivated) call for the same: the post
        may no longer be shown or kept."""
        with self.deps.session() as session:
            tweet = session.get(Tweet, tweet_id)
            if tweet is None or tweet.deleted_at is not None:
                return False
            tweet.text, tweet.deleted_at = DELETED_TEXT, utcnow()
            session.add(tweet)
            audit.record(
                session,
                AuditAction.TWEET_DELETED_ON_X,
                case_id=tweet.case_id,
                tweet_id=tweet_id,
                reason=reason,
            )
            case = session.get(Case, tweet.case_id) if tweet.case_id else None
            keys: list[str] = []
            if case is not None and case.id is not None:
                # The root is shown on the card; a later post on its own message in the thread.
                is_root = case.root_tweet_id == tweet_id
                keys.append(card_key(case.id) if is_root else followup_key(tweet_id))
            self.cases.surfaces.touch(session, *keys)
        logger.info("compliance.deleted tweet=%s reason=%s", tweet_id, reason)
        self.cases.surfaces.show(*keys)
        return True
