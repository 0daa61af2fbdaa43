"""Saved replies the team keeps in the store: added and removed from Slack by approvers, offered in the
reply window, with {name} and {username} filled from the case; the canned replies file is imported."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import col, select, update

from slackbridge.ai.canned import CannedReply
from slackbridge.models import AuditAction, Case, Customer, SavedReply, utcnow
from slackbridge.services import audit
from slackbridge.services.approval import Approvers
from slackbridge.services.deps import Deps
from slackbridge.services.listening import clean_query
from slackbridge.slack.surfaces.base import rows_changed
from slackbridge.text import check_tweet_text, clean_text, escape_mrkdwn

logger = logging.getLogger(__name__)

TITLE_LIMIT = 80
MAX_SAVED = 100  # a static_select offers at most 100 options
APPROVERS_ONLY = "Only approvers can change the saved replies. Ask a manager."
ADD_USAGE = 'Use `saved add "title" text…`, e.g. `saved add "Refund" Hi {name}, your refund is on its way.`'


@dataclass(frozen=True)
class SavedLine:
    id: int
    title: str
    text: str


def fill(template: str, *, name: str, username: str) -> str:
    """Only the two placeholders: the rest of the text (braces included) stays as written."""
    return template.replace("{name}", name).replace("{username}", username)


def _split(args: str) -> tuple[str, str] | None:
    """`"title" text…` (straight or curly quotes) into its title and text."""
    args = clean_text(args).strip().replace("\u201c", '"').replace("\u201d", '"')
    if not args.startswith('"') or args.count('"') < 2:
        return None
    end = args.index('"', 1)
    title, text = clean_query(args[: end + 1]), args[end + 1 :].strip()
    return (title, text) if title and text else None


class SavedReplies:
    def __init__(self, deps: Deps, approvers: Approvers) -> None:
        self.deps = deps
        self.approvers = approvers

    def active(self) -> list[SavedLine]:
        with self.deps.session() as session:
            rows = session.exec(
                select(SavedReply)
                .where(col(SavedReply.removed_at).is_(None))
                .order_by(col(SavedReply.id))
                .limit(MAX_SAVED)
            ).all()
        return [SavedLine(r.id, r.title, r.text) for r in rows if r.id is not None]

    def add(self, args: str, *, user: str) -> str:
        if not self.approvers.is_approver(user):
            return APPROVERS_ONLY
        parsed = _split(args)
        if parsed is None:
            return ADD_USAGE
        title, text = parsed
        if len(title) > TITLE_LIMIT:
            return f"Titles are limited to {TITLE_LIMIT} characters; this one has {len(title)}."
        # Checked as written: a filled-in reply is checked again, with its names, when it is picked.
        check = check_tweet_text(fill(text, name="", username=""))
        if not check.ok:
            return f"Not saved. {check.problem}"
        try:
            with self.deps.session() as session:
                row = SavedReply(title=title, text=text, created_by=user)
                session.add(row)
                session.flush()
                audit.record(session, AuditAction.SAVED_REPLY_ADDED, actor=user, saved_id=row.id)
        except IntegrityError:
            return f"A saved reply titled “{escape_mrkdwn(title)}” exists already: remove it first."
        shown = escape_mrkdwn(title)
        return f":floppy_disk: Saved reply #{row.id} “{shown}” added; it shows in the reply window."

    def remove(self, number: int, *, user: str) -> str:
        if not self.approvers.is_approver(user):
            return APPROVERS_ONLY
        with self.deps.session() as session:
            done = rows_changed(
                session.execute(
                    update(SavedReply)
                    .where(col(SavedReply.id) == number, col(SavedReply.removed_at).is_(None))
                    .values(removed_at=utcnow())
                )
            )
            if done:
                audit.record(session, AuditAction.SAVED_REPLY_REMOVED, actor=user, saved_id=number)
        if not done:
            return f"There is no saved reply #{number}: see `/tweetcare saved list`."
        return f"Saved reply #{number} removed."

    def filled(self, saved_id: int, case_id: int) -> str | None:
        """The saved reply's text for this case's customer; None when it is gone."""
        with self.deps.session() as session:
            row = session.get(SavedReply, saved_id)
            case = session.get(Case, case_id)
            if row is None or row.removed_at is not None or case is None:
                return None
            customer = session.get(Customer, case.customer_id)
            name = " ".join((customer.name if customer else "").split()) if customer else ""
            username = customer.username if customer else ""
        return fill(row.text, name=name or username, username=username)

    def import_canned(self, replies: Sequence[CannedReply]) -> int:
        """The canned replies file, imported once per title (a removed one stays removed); how many new."""
        added = 0
        try:
            with self.deps.session() as session:
                known = set(session.exec(select(SavedReply.title)).all())
            for reply in replies:
                title = reply.title[:TITLE_LIMIT]
                if title in known:
                    continue
                try:
                    with self.deps.session() as session:
                        session.add(SavedReply(title=title, text=reply.text))
                    added += 1
                except IntegrityError:  # another process imported it a moment ago
                    pass
        except (OperationalError, ProgrammingError):  # a store not migrated yet: `db upgrade` comes first
            logger.warning("saved.import_skipped reason=no_table")
            return 0
        if added:
            logger.info("saved.imported count=%s", added)
        return added
