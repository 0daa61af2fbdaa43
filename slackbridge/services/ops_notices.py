"""Operational notices in the care channel, each posted once across processes: the claim is a row."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from slackbridge.models import AuditAction, OpsNotice, utcnow
from slackbridge.services import audit
from slackbridge.services.deps import Deps
from slackbridge.slack.gateway import SlackError
from slackbridge.text import escape_mrkdwn
from slackbridge.x.types import XError, XErrorKind

logger = logging.getLogger(__name__)

POLLING = "x_polling"
UP, DOWN = "up", "down"
# Failures that will not heal by waiting: someone has to fix keys, the app's standing or the credit.
NEEDS_A_PERSON = {
    XErrorKind.AUTH: "X refused slackbridge's keys (401). Check X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and "
    "X_ACCESS_TOKEN_SECRET, and that the app still has access in the X developer portal.",
    XErrorKind.NOT_ALLOWED: "X refused to let slackbridge read mentions (403): the app or its project may be "
    "suspended or lack access. Check the X developer portal.",
    XErrorKind.PAYMENT: "X answered that the developer account is out of credits (402). Buy credits in the "
    "X developer console (Billing).",
}


def claim(session: Session, key: str, state: str, *, detail: str | None = None, now: datetime) -> bool:
    """Insert the notice's row unless it exists: True for the one caller, across processes, that did."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = OpsNotice.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(key=key, state=state, detail=detail, changed_at=now)
    # RETURNING, not rowcount: PostgreSQL's driver does not report 0 rows for a skipped ON CONFLICT insert.
    claimed = statement.on_conflict_do_nothing(index_elements=["key"]).returning(table.c.key)
    return session.execute(claimed).first() is not None


def switch(
    session: Session, key: str, *, expected: str, state: str, detail: str | None, now: datetime
) -> bool:
    """Move a notice's state on, conditionally: True for the one caller that changed it."""
    table = OpsNotice.__table__  # type: ignore[attr-defined]
    statement = (
        sa.update(table)
        .where(table.c.key == key, table.c.state == expected)
        .values(state=state, detail=detail, changed_at=now)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined]


class OpsNotices:
    """Posts the notices; whoever wins the claim posts, so none appears twice however many processes run."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def post(self, text: str, key: str) -> None:
        try:
            self.deps.slack.post(self.deps.settings.slack_channel, text, [])
        except SlackError as exc:  # claimed but not shown: logged, never retried into a duplicate
            logger.error("notice.post_failed key=%s error=%s", key, exc.code)

    def once(self, key: str, text: str, *, now: datetime | None = None) -> bool:
        """Post `text` unless a notice with `key` was posted before (e.g. budget_80:2026-11)."""
        moment = now or utcnow()
        with self.deps.session() as session:
            if not claim(session, key, "posted", now=moment):
                return False
            audit.record(session, AuditAction.OPS_NOTICE, notice=key)
        logger.info("notice.posted key=%s", key)
        self.post(text, key)
        return True

    def silence(self, key: str, *, now: datetime | None = None) -> None:
        """Mark a notice as posted without posting it (a later, stronger notice covers it)."""
        with self.deps.session() as session:
            claim(session, key, "skipped", now=now or utcnow())

    def polling_failed(self, error: XError, *, now: datetime | None = None) -> bool:
        """X polling stopped for a reason a person must fix: say so once, until it works again."""
        reason = NEEDS_A_PERSON.get(error.kind)
        if reason is None:
            return False
        moment = now or utcnow()
        with self.deps.session() as session:
            claim(session, POLLING, UP, now=moment)
            if not switch(session, POLLING, expected=UP, state=DOWN, detail=str(error.kind), now=moment):
                return False
            audit.record(session, AuditAction.OPS_NOTICE, notice=POLLING, state=DOWN, kind=str(error.kind))
        logger.warning("notice.polling_down kind=%s", error.kind)
        text = f":rotating_light: *Reading mentions from X has stopped.* {escape_mrkdwn(reason)} "
        text += "New mentions will appear here once it works again; nothing is lost meanwhile."
        self.post(text, POLLING)
        return True

    def polling_ok(self, *, now: datetime | None = None) -> bool:
        """Polling works: if a stop was announced, announce the recovery once."""
        moment = now or utcnow()
        with self.deps.session() as session:
            known = session.get(OpsNotice, POLLING)
            if known is None or known.state != DOWN:  # the usual case: a read, no write every round
                return False
            if not switch(session, POLLING, expected=DOWN, state=UP, detail=None, now=moment):
                return False
            audit.record(session, AuditAction.OPS_NOTICE, notice=POLLING, state=UP)
        logger.info("notice.polling_up")
        self.post(
            ":white_check_mark: *Reading mentions from X works again.* Missed mentions follow.", POLLING
        )
        return True
