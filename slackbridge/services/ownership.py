"""Who works on a case: assign, hand over, unassign, take over, and who is writing a reply right now.

Every change is conditional on the owner the clicker saw, so of two simultaneous clicks exactly one wins
and the other is told who has the case; the card and the Home tabs of everyone involved are re-rendered."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select, update

from slackbridge import messages
from slackbridge.models import AuditAction, Case, CaseStatus, utcnow
from slackbridge.services import audit
from slackbridge.services.deps import Deps
from slackbridge.services.outcome import Outcome
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.surfaces import Surfaces, card_key
from slackbridge.slack.surfaces.base import rows_changed

logger = logging.getLogger(__name__)

SWEEP_BATCH = 50


@dataclass(frozen=True)
class AssignOutcome(Outcome):
    assignee_id: str | None = None  # who has the case now


def _holder(case_id: int, holder: str | None, user: str) -> str:
    if holder is None:
        return f"Nobody has case #{case_id} now."
    if holder == user:
        return f"Case #{case_id} is already yours."
    return f"<@{holder}> already has case #{case_id}."


class Ownership:
    def __init__(self, deps: Deps, surfaces: Surfaces) -> None:
        self.deps = deps
        self.surfaces = surfaces

    # -- owner -----------------------------------------------------------------------------------------------

    def assign(self, case_id: int, *, user: str) -> AssignOutcome:
        """Assign to me: claim an unassigned case."""
        return self._change(case_id, seen=None, new=user, actor=user, action=AuditAction.CASE_ASSIGNED)

    def assign_to(self, case_id: int, assignee: str, *, seen: str | None, actor: str) -> AssignOutcome:
        """Hand the case to someone (the user picker), from the owner the actor saw on the card."""
        if seen == assignee:
            return AssignOutcome(False, _holder(case_id, seen, actor) if seen == actor else None, seen)
        return self._change(case_id, seen=seen, new=assignee, actor=actor, action=AuditAction.CASE_ASSIGNED)

    def unassign(self, case_id: int, *, seen: str, actor: str) -> AssignOutcome:
        return self._change(case_id, seen=seen, new=None, actor=actor, action=AuditAction.CASE_UNASSIGNED)

    def take_over(self, case_id: int, *, seen: str, actor: str) -> AssignOutcome:
        """Take a case someone else has; they are told in the case's thread."""
        if seen == actor:
            return AssignOutcome(False, _holder(case_id, actor, actor), actor)
        return self._change(case_id, seen=seen, new=actor, actor=actor, action=AuditAction.CASE_TAKEN_OVER)

    def _change(
        self, case_id: int, *, seen: str | None, new: str | None, actor: str, action: AuditAction
    ) -> AssignOutcome:
        homes = self.surfaces.homes([seen, new])
        same = col(Case.assignee_id).is_(None) if seen is None else col(Case.assignee_id) == seen
        with self.deps.session() as session:
            won = rows_changed(
                session.execute(
                    update(Case)
                    .where(col(Case.id) == case_id, same)
                    .values(assignee_id=new, updated_at=utcnow())
                )
            )
            case = session.get(Case, case_id)
            if case is None:
                return AssignOutcome(False, messages.CASE_GONE)
            if won:
                audit.record(session, action, actor=actor, case_id=case_id, assignee=new, previous=seen)
                self.surfaces.touch(session, card_key(case_id), *homes)
            channel, thread = case.channel_id, case.thread_ts
        if not won:
            return AssignOutcome(False, _holder(case_id, case.assignee_id, actor), case.assignee_id)
        self.surfaces.show(card_key(case_id), *homes)
        if seen and seen != actor and channel and thread:
            self._tell_previous(seen, actor, case_id, channel, thread, handed_to=new)
        return AssignOutcome(True, None, new)

    def _tell_previous(
        self, previous: str, actor: str, case_id: int, channel: str, thread: str, *, handed_to: str | None
    ) -> None:
        """The previous owner learns in the thread that the case is no longer theirs (once: the winner)."""
        if handed_to == actor:
            text = f"<@{previous}>: <@{actor}> took over case #{case_id}."
        elif handed_to:
            text = f"<@{previous}>: <@{actor}> handed case #{case_id} to <@{handed_to}>."
        else:
            text = f"<@{previous}>: <@{actor}> unassigned case #{case_id}."
        try:
            self.deps.slack.post(channel, text, [], thread_ts=thread)
        except SlackError:
            logger.exception("ownership.notice_failed case=%s", case_id)

    # -- writing ---------------------------------------------------------------------------------------------

    def writer(self, case_id: int, *, user: str) -> str | None:
        """Someone else writing a reply on the case right now, to warn `user` in the reply window."""
        with self.deps.session() as session:
            case = session.get(Case, case_id)
        if case is None or case.writing_by in (None, user) or case.writing_until is None:
            return None
        return case.writing_by if case.writing_until > utcnow() else None

    def start_writing(self, case_id: int, *, user: str, now: datetime | None = None) -> str | None:
        """Note that `user` is writing a reply; returns someone else already writing (whose note stays)."""
        now = now or utcnow()
        minutes = self.deps.settings.writing_minutes
        if not minutes:
            return None
        with self.deps.session() as session:
            free = (col(Case.writing_by).is_(None)) | (col(Case.writing_by) == user)
            expired = col(Case.writing_until) <= now
            took = rows_changed(
                session.execute(
                    update(Case)
                    .where(col(Case.id) == case_id, free | expired, col(Case.status) != CaseStatus.RESOLVED)
                    .values(writing_by=user, writing_until=now + timedelta(minutes=minutes))
                )
            )
            if took:
                self.surfaces.touch(session, card_key(case_id))
                other = None
            else:
                case = session.get(Case, case_id)
                other = case.writing_by if case and case.writing_by != user else None
        if took:
            self.surfaces.show(card_key(case_id))
        return other

    def stop_writing(self, case_id: int, *, user: str) -> None:
        """The writer saved a draft: the draft shows now, not the note."""
        self._clear(case_id, col(Case.writing_by) == user)

    def sweep_writing(self, now: datetime | None = None) -> int:
        """Cards whose writing note expired are re-rendered without it; each cleared once (conditional)."""
        now = now or utcnow()
        with self.deps.session() as session:
            expired = session.exec(
                select(Case.id, Case.writing_until)
                .where(col(Case.writing_until).is_not(None), col(Case.writing_until) <= now)
                .limit(SWEEP_BATCH)
            ).all()
        return sum(
            self._clear(case_id, col(Case.writing_until) == until)
            for case_id, until in expired
            if case_id is not None
        )

    def _clear(self, case_id: int, condition: object) -> int:
        with self.deps.session() as session:
            cleared = rows_changed(
                session.execute(
                    update(Case)
                    .where(col(Case.id) == case_id, col(Case.writing_by).is_not(None), condition)  # type: ignore[arg-type]
                    .values(writing_by=None, writing_until=None)
                )
            )
            if cleared:
                self.surfaces.touch(session, card_key(case_id))
        if cleared:
            self.surfaces.show(card_key(case_id))
        return cleared
