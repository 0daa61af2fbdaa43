"""SLACKBRIDGE_RETENTION_DAYS: post and draft text older than that is wiped; rows, counts and audit stay."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import col, select, update

from slackbridge.models import AuditAction, Case, CaseStatus, Cursor, Draft, DraftStatus, Tweet, utcnow
from slackbridge.services import audit
from slackbridge.services.deps import Deps

logger = logging.getLogger(__name__)

WIPED_TEXT = ""  # like a post deleted on X: the search index follows the text (0002's triggers/column)
DONE_CURSOR = "retention.done"  # when the last daily wipe finished (ISO time)
EVERY = timedelta(days=1)
BATCH = 500
# Drafts still being worked on keep their text; every other one is history.
FINAL_DRAFTS = (DraftStatus.SENT, DraftStatus.DISCARDED, DraftStatus.FAILED)


class Retention:
    """Run by the leader once a day: wipes the text of posts and drafts older than the retention period.

    A case still open or waiting keeps its posts' text until it is resolved (people are working on it);
    the rows stay, so stats, exports and the audit trail keep their counts and times."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    @property
    def days(self) -> int | None:
        return self.deps.settings.retention_days

    def sweep(self, *, now: datetime | None = None, force: bool = False) -> int:
        """One tick: wipes when a day has passed since the last wipe (or when forced); returns rows wiped."""
        days = self.days
        if days is None:
            return 0
        now = now or utcnow()
        if not force and not self._due(now):
            return 0
        wiped = self.wipe(now - timedelta(days=days), now=now)
        self._done(now)
        return wiped

    def wipe(self, cutoff: datetime, *, now: datetime) -> int:
        """Wipe everything written before `cutoff`, in batches; idempotent (wiped rows are skipped)."""
        total = 0
        while True:
            with self.deps.session() as session:
                active = select(Case.id).where(col(Case.status).in_([CaseStatus.OPEN, CaseStatus.WAITING]))
                tweets = list(
                    session.exec(
                        select(Tweet.id)
                        .where(
                            col(Tweet.created_at) < cutoff,
                            col(Tweet.text_wiped_at).is_(None),
                            col(Tweet.case_id).is_(None) | col(Tweet.case_id).not_in(active),
                        )
                        .limit(BATCH)
                    )
                )
                drafts = list(
                    session.exec(
                        select(Draft.id)
                        .where(
                            col(Draft.created_at) < cutoff,
                            col(Draft.text_wiped_at).is_(None),
                            col(Draft.status).in_(FINAL_DRAFTS),
                        )
                        .limit(BATCH)
                    )
                )
                if not tweets and not drafts:
                    return total
                if tweets:
                    session.execute(
                        update(Tweet)
                        .where(col(Tweet.id).in_(tweets), col(Tweet.text_wiped_at).is_(None))
                        .values(text=WIPED_TEXT, text_wiped_at=now)
                    )
                if drafts:
                    session.execute(
                        update(Draft)
                        .where(col(Draft.id).in_(drafts), col(Draft.text_wiped_at).is_(None))
                        .values(text=WIPED_TEXT, text_wiped_at=now)
                    )
                audit.record(
                    session,
                    AuditAction.TEXT_WIPED,
                    posts=len(tweets),
                    drafts=len(drafts),
                    before=cutoff.isoformat(),
                )
            total += len(tweets) + len(drafts)
            logger.info("retention.wiped posts=%s drafts=%s", len(tweets), len(drafts))

    def _due(self, now: datetime) -> bool:
        with self.deps.session() as session:
            row = session.get(Cursor, DONE_CURSOR)
            return row is None or now - datetime.fromisoformat(row.value) >= EVERY

    def _done(self, now: datetime) -> None:
        with self.deps.session() as session:
            row = session.get(Cursor, DONE_CURSOR)
            if row is None:
                session.add(Cursor(name=DONE_CURSOR, value=now.isoformat()))
            else:
                row.value, row.updated_at = now.isoformat(), utcnow()
                session.add(row)
