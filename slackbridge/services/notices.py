"""Notices the product owes people (writers' DMs, approval reminders): stored with the change that caused
them, under a unique key, then posted by whichever process claims them first, so each is posted once."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select, update

from slackbridge.models import Notice, NoticeStatus, utcnow
from slackbridge.services.deps import Deps
from slackbridge.slack.blocks.common import section
from slackbridge.slack.gateway import SlackError

logger = logging.getLogger(__name__)

CLAIM = timedelta(seconds=30)  # a claim held this long by a process that died is taken over
BATCH = 50


def owe(session: Session, key: str, channel: str | None, text: str, *, thread_ts: str | None = None) -> bool:
    """Owe a notice in the caller's transaction; False when it is already owed or has nowhere to go.

    Callers owe a notice only after winning a conditional update, so the unique key is a backstop."""
    if not channel:
        return False
    if session.exec(select(Notice.id).where(Notice.key == key)).first() is not None:
        return False
    session.add(Notice(key=key, channel=channel, thread_ts=thread_ts, text=text, status=NoticeStatus.PENDING))
    return True


def is_person(user_id: str | None) -> bool:
    """A Slack user id (not `system`, not empty): someone a DM can reach."""
    return bool(user_id) and str(user_id)[:1] in {"U", "W"}


class Notices:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.holder = uuid.uuid4().hex[:12]

    def deliver(self, *, now: datetime | None = None) -> int:
        """Post every owed notice no live process holds; returns how many were posted."""
        now = now or utcnow()
        with self.deps.session() as session:
            ids = session.exec(
                select(Notice.id)
                .where(
                    Notice.status == NoticeStatus.PENDING,
                    or_(col(Notice.claimed_until).is_(None), col(Notice.claimed_until) < now),
                )
                .order_by(col(Notice.id))
                .limit(BATCH)
            ).all()
        return sum(1 for notice_id in ids if notice_id is not None and self._post(notice_id, now))

    def _post(self, notice_id: int, now: datetime) -> bool:
        with self.deps.session() as session:
            claimed = session.execute(
                update(Notice)
                .where(
                    col(Notice.id) == notice_id,
                    col(Notice.status) == NoticeStatus.PENDING,
                    or_(col(Notice.claimed_until).is_(None), col(Notice.claimed_until) < now),
                )
                .values(claimed_by=self.holder, claimed_until=now + CLAIM)
            ).rowcount  # type: ignore[attr-defined]
            notice = session.get(Notice, notice_id) if claimed else None
            if notice is None:
                return False
            channel, thread_ts, text = notice.channel, notice.thread_ts, notice.text
        try:
            self.deps.slack.post(channel, text, [section(text)], thread_ts=thread_ts)
        except SlackError as exc:
            logger.warning("notice.post_failed notice=%s code=%s", notice_id, exc.code)
            return False  # the claim lapses and a later round tries again
        with self.deps.session() as session:
            session.execute(
                update(Notice)
                .where(col(Notice.id) == notice_id, col(Notice.claimed_by) == self.holder)
                .values(status=NoticeStatus.SENT, sent_at=utcnow())
            )
        return True
