"""Approval reminders: a draft that waited too long is pointed out to approvers in its thread, once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import col, select, update

from slackbridge.models import AuditAction, Case, Draft, DraftStatus, utcnow
from slackbridge.services import audit
from slackbridge.services.deps import Deps
from slackbridge.services.notices import Notices, owe
from slackbridge.services.turns import customer_label

logger = logging.getLogger(__name__)

BATCH = 100


def mention(entry: str) -> str:
    """A user id pings the person; a user-group id (S…) pings the group."""
    return f"<!subteam^{entry}>" if entry.startswith("S") else f"<@{entry}>"


def waited(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{max(minutes, 1)} min"


class Reminders:
    def __init__(self, deps: Deps, notices: Notices) -> None:
        self.deps = deps
        self.notices = notices

    def sweep(self, *, now: datetime | None = None) -> int:
        """Remind approvers of every draft waiting longer than the setting; each draft once, ever (the
        claim on `reminded_at` is a conditional update, so any number of processes may run this)."""
        delay = self.deps.settings.approval_reminder
        if delay <= 0:
            return 0
        now = now or utcnow()
        with self.deps.session() as session:
            due = session.exec(
                select(Draft.id)
                .where(
                    Draft.status == DraftStatus.PENDING,
                    col(Draft.reminded_at).is_(None),
                    col(Draft.updated_at) <= now - timedelta(seconds=delay),
                )
                .order_by(col(Draft.id))
                .limit(BATCH)
            ).all()
        reminded = sum(1 for draft_id in due if draft_id is not None and self._remind(draft_id, now))
        if reminded:
            self.notices.deliver()
        return reminded

    def _remind(self, draft_id: int, now: datetime) -> bool:
        with self.deps.session() as session:
            claimed = session.execute(
                update(Draft)
                .where(
                    col(Draft.id) == draft_id,
                    col(Draft.status) == DraftStatus.PENDING,
                    col(Draft.reminded_at).is_(None),
                )
                .values(reminded_at=now)
            ).rowcount  # type: ignore[attr-defined]
            draft = session.get(Draft, draft_id) if claimed else None
            case = session.get(Case, draft.case_id) if draft else None
            if draft is None or case is None:
                return False
            who = " ".join(mention(e) for e in self.deps.settings.approvers)
            text = (
                f":alarm_clock: {who} reply draft #{draft_id} to {customer_label(session, draft)} has "
                f"waited {waited((now - draft.updated_at).total_seconds())} for approval."
            )
            owe(session, f"reminder:{draft_id}", case.channel_id, text, thread_ts=case.thread_ts)
            audit.record(session, AuditAction.APPROVAL_REMINDED, case_id=draft.case_id, draft_id=draft_id)
        logger.info("reminders.sent draft=%s", draft_id)
        return True
