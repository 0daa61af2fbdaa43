"""Service levels in the store: each turn's due times, and the leader's scheduler that moves cards to "due
soon" and "breached" and sends one reminder and one escalation per turn, each claimed by a conditional
update so no process (or restart) sends it twice, and each posted through its own surface so none is lost.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, or_, select, update

from slackbridge.models import AuditAction, Case, CaseSource, CaseStatus, SlaState, utcnow
from slackbridge.services import audit
from slackbridge.services.deps import Deps
from slackbridge.services.sla import SlaPolicy
from slackbridge.slack.surfaces import Surfaces, card_key, sla_note_key
from slackbridge.slack.surfaces.base import rows_changed

logger = logging.getLogger(__name__)

BATCH = 200

# What a turn's clock holds; cleared when we answer (first_due_at stays: it is the first turn's promise).
CLEARED: dict[str, Any] = {"due_at": None, "due_soon_at": None, "sla_state": None}


def open_turn(case: Case, policy: SlaPolicy | None, start: datetime) -> None:
    """The customer is waiting on us from `start`: set the turn's due times (first or next response)."""
    if policy is None or case.source == CaseSource.LISTEN:
        return
    first = case.first_response_at is None
    due = policy.due(start, case.category, case.urgency, first=first)
    case.sla_state, case.sla_reminded_at, case.sla_escalated_at = None, None, None
    case.due_soon_at = due.soon_at if due else None
    case.due_at = due.due_at if due else None
    if first and case.first_due_at is None:
        case.first_due_at = case.due_at


def retarget(case: Case, policy: SlaPolicy | None) -> None:
    """The category changed: the open turn's due times follow the new target (notices sent stay sent)."""
    waiting = case.status == CaseStatus.OPEN and case.source != CaseSource.LISTEN
    if policy is None or not waiting or case.waiting_since is None:
        return
    first = case.first_response_at is None
    due = policy.due(case.waiting_since, case.category, case.urgency, first=first)
    case.due_soon_at = due.soon_at if due else None
    case.due_at = due.due_at if due else None
    case.sla_state = None  # the scheduler shows the state under the new target
    if first:
        case.first_due_at = case.due_at


def close_turn(case: Case) -> None:
    """We answered (or resolved): the turn's clock stops."""
    for name, value in CLEARED.items():
        setattr(case, name, value)


def not_snoozed(now: datetime) -> ColumnElement[bool]:
    return or_(col(Case.snoozed_until).is_(None), col(Case.snoozed_until) <= now)


class SlaClock:
    def __init__(self, deps: Deps, surfaces: Surfaces) -> None:
        self.deps = deps
        self.surfaces = surfaces

    @property
    def policy(self) -> SlaPolicy | None:
        return self.deps.settings.sla

    def round(self, now: datetime | None = None) -> int:
        """One scheduler pass (the leader runs it); returns how many cards and notices changed."""
        if self.policy is None:
            return 0
        now = now or utcnow()
        keys: list[str] = []
        keys += self._wake(now)
        keys += self._advance(now)
        keys += self._notify(now, escalate=False)
        keys += self._notify(now, escalate=True)
        self.surfaces.show(*keys)
        return len(keys)

    def _due_rows(self, *where: ColumnElement[bool]) -> list[tuple[int, datetime]]:
        with self.deps.session() as session:
            rows = session.exec(
                select(Case.id, Case.due_at)
                .where(col(Case.status) == CaseStatus.OPEN, col(Case.due_at).is_not(None), *where)
                .order_by(col(Case.due_at))
                .limit(BATCH)
            ).all()
        return [(case_id, due) for case_id, due in rows if case_id is not None and due is not None]

    def _advance(self, now: datetime) -> list[str]:
        """Cards whose clock passed 75 % or 100 %: one state change each, shown once (not every minute)."""
        rows = self._due_rows(
            col(Case.due_soon_at) <= now,
            or_(
                col(Case.sla_state).is_(None),
                (col(Case.sla_state) == SlaState.SOON) & (col(Case.due_at) <= now),
            ),
        )
        keys: list[str] = []
        for case_id, due in rows:
            state = SlaState.BREACHED if due <= now else SlaState.SOON
            expected: ColumnElement[bool] = col(Case.sla_state).is_(None)
            if state == SlaState.BREACHED:
                expected = or_(expected, col(Case.sla_state) == SlaState.SOON)
            with self.deps.session() as session:
                changed = self._claim(session, case_id, due, expected, sla_state=state)
                if changed:
                    action = (
                        AuditAction.SLA_BREACHED if state == SlaState.BREACHED else AuditAction.SLA_DUE_SOON
                    )
                    audit.record(session, action, case_id=case_id, due_at=due.isoformat())
                    case = session.get(Case, case_id)
                    homes = self.surfaces.homes([case.assignee_id if case else None])
                    self.surfaces.touch(session, card_key(case_id), *homes)
                    keys += [card_key(case_id), *homes]
        return keys

    def _wake(self, now: datetime) -> list[str]:
        """Snoozes that ended: off the card (reminders due meanwhile follow in this round)."""
        with self.deps.session() as session:
            rows = session.exec(
                select(Case.id, Case.snoozed_until)
                .where(col(Case.snoozed_until).is_not(None), col(Case.snoozed_until) <= now)
                .limit(BATCH)
            ).all()
        keys: list[str] = []
        for case_id, until in rows:
            if case_id is None or until is None:
                continue
            with self.deps.session() as session:
                woken = rows_changed(
                    session.execute(
                        update(Case)
                        .where(col(Case.id) == case_id, col(Case.snoozed_until) == until)
                        .values(snoozed_until=None, snoozed_by=None)
                    )
                )
                if woken:
                    audit.record(
                        session, AuditAction.CASE_UNSNOOZED, case_id=case_id, ended=until.isoformat()
                    )
                    self.surfaces.touch(session, card_key(case_id))
                    keys.append(card_key(case_id))
        return keys

    def _notify(self, now: datetime, *, escalate: bool) -> list[str]:
        """The reminder (75 %, before the breach) or the escalation (breach), once per case and turn."""
        name = "sla_escalated_at" if escalate else "sla_reminded_at"
        unclaimed: ColumnElement[bool] = (
            col(Case.sla_escalated_at).is_(None) if escalate else col(Case.sla_reminded_at).is_(None)
        )
        point: ColumnElement[bool] = col(Case.due_at) <= now
        if not escalate:  # a reminder is for a case not yet breached: past the breach, escalation speaks
            point = (col(Case.due_soon_at) <= now) & (col(Case.due_at) > now)
        rows = self._due_rows(point, unclaimed, col(Case.thread_ts).is_not(None), not_snoozed(now))
        kind = "escalate" if escalate else "remind"
        action = AuditAction.SLA_ESCALATED if escalate else AuditAction.SLA_REMINDED
        keys: list[str] = []
        for case_id, due in rows:
            with self.deps.session() as session:
                if not self._claim(session, case_id, due, unclaimed, **{name: now}):
                    continue  # another process (or an earlier round) has it
                audit.record(session, action, case_id=case_id, due_at=due.isoformat())
                key = sla_note_key(case_id, kind, due)
                self.surfaces.touch(session, key)  # the notice is posted from its surface: a crash keeps it
                keys.append(key)
            logger.info("sla.%s case=%s", kind, case_id)
        return keys

    @staticmethod
    def _claim(
        session: Session, case_id: int, due: datetime, expected: ColumnElement[bool], **values: Any
    ) -> bool:
        """The conditional update behind every effect: only for this turn (same due time), only once."""
        return bool(
            rows_changed(
                session.execute(
                    update(Case)
                    .where(
                        col(Case.id) == case_id,
                        col(Case.status) == CaseStatus.OPEN,
                        col(Case.due_at) == due,
                        expected,
                    )
                    .values(**values)
                )
            )
        )
