"""Snoozing a case's reminders: the clock (and the card's due state) keeps running, but nobody is reminded or
escalated to until the snooze ends; visible on the card and audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, update

from slackbridge import messages
from slackbridge.models import AuditAction, Case, CaseStatus, utcnow
from slackbridge.services import audit
from slackbridge.services.deps import Deps
from slackbridge.services.outcome import Outcome, refused
from slackbridge.services.sla import BusinessHours
from slackbridge.slack.blocks.common import slack_date
from slackbridge.slack.blocks.sla import SNOOZE_1H, SNOOZE_TOMORROW
from slackbridge.slack.surfaces import Surfaces, card_key
from slackbridge.slack.surfaces.base import rows_changed

MAX_SNOOZE = timedelta(days=30)


class Snooze:
    def __init__(self, deps: Deps, surfaces: Surfaces) -> None:
        self.deps = deps
        self.surfaces = surfaces

    def until_for(self, choice: str, now: datetime | None = None) -> datetime | None:
        """The end of a menu choice: an hour from now, or tomorrow 9:00 in the business-hours zone."""
        now = now or utcnow()
        if choice == SNOOZE_1H:
            return now + timedelta(hours=1)
        if choice == SNOOZE_TOMORROW:
            policy = self.deps.settings.sla
            return (policy.hours if policy else BusinessHours()).tomorrow_at(now)
        return None

    def snooze(self, case_id: int, until: datetime, *, user: str, now: datetime | None = None) -> Outcome:
        """Pause the case's reminders until `until` (a later snooze replaces an earlier one)."""
        now = now or utcnow()
        if until <= now:
            return refused("Pick a moment in the future to snooze until.")
        if until > now + MAX_SNOOZE:
            return refused("A snooze lasts at most 30 days.")
        with self.deps.session() as session:
            changed = rows_changed(
                session.execute(
                    update(Case)
                    .where(col(Case.id) == case_id, col(Case.status) == CaseStatus.OPEN)
                    .values(snoozed_until=until, snoozed_by=user, updated_at=now)
                )
            )
            if not changed:
                case = session.get(Case, case_id)
                if case is None:
                    return refused(messages.CASE_GONE)
                return refused(f"Case #{case_id} is not waiting on us: there is nothing to snooze.")
            audit.record(
                session, AuditAction.CASE_SNOOZED, actor=user, case_id=case_id, until=until.isoformat()
            )
            self.surfaces.touch(session, card_key(case_id))
        self.surfaces.show(card_key(case_id))
        return Outcome(True, f":zzz: Reminders for case #{case_id} are snoozed until {slack_date(until)}.")

    def unsnooze(self, case_id: int, *, user: str) -> Outcome:
        with self.deps.session() as session:
            changed = rows_changed(
                session.execute(
                    update(Case)
                    .where(col(Case.id) == case_id, col(Case.snoozed_until).is_not(None))
                    .values(snoozed_until=None, snoozed_by=None, updated_at=utcnow())
                )
            )
            if not changed:
                return refused(f"Case #{case_id} is not snoozed.")
            audit.record(session, AuditAction.CASE_UNSNOOZED, actor=user, case_id=case_id)
            self.surfaces.touch(session, card_key(case_id))
        self.surfaces.show(card_key(case_id))
        return Outcome(True, f"Reminders for case #{case_id} are back on.")
