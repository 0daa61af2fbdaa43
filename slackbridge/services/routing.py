"""Re-categorising a case from its card; when the category has its own channel, the case moves there."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import col, update

from slackbridge import messages
from slackbridge.models import AuditAction, Case, CaseSource, utcnow
from slackbridge.services import audit
from slackbridge.services.cases import Cases
from slackbridge.services.deps import Deps
from slackbridge.services.ingest import Ingest
from slackbridge.services.outcome import DONE, Outcome, refused
from slackbridge.services.sla_clock import retarget
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.surfaces import card_key
from slackbridge.slack.surfaces.base import Busy
from slackbridge.triage.types import Category

logger = logging.getLogger(__name__)


class Routing:
    def __init__(self, deps: Deps, cases: Cases, ingest: Ingest) -> None:
        self.deps, self.cases, self.ingest = deps, cases, ingest

    def recategorise(self, case_id: int, category: str, *, actor: str) -> Outcome:
        """Set the category (conditional on the one the clicker saw); when the category has its own
        channel, the case moves there."""
        if category not in {c.value for c in Category}:
            return refused(f"Unknown category {category!r}.")
        surfaces = self.cases.surfaces
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            if case is None:
                return refused(messages.CASE_GONE)
            before = case.category
            if before == category:
                return DONE
            same = col(Case.category).is_(None) if before is None else col(Case.category) == before
            changed = session.execute(
                update(Case)
                .where(col(Case.id) == case_id, same)
                .values(category=category, updated_at=utcnow())
            ).rowcount  # type: ignore[attr-defined]
            if not changed:
                return refused("Someone changed this case's category meanwhile: look at the card again.")
            change: dict[str, Any] = {"from": before, "to": category}
            audit.record(
                session,
                AuditAction.CASE_RECATEGORISED,
                actor=actor,
                case_id=case_id,
                **change,
            )
            surfaces.touch(session, card_key(case_id))
            session.refresh(case)
            retarget(case, self.deps.settings.sla)  # service levels: the new category's target
            session.add(case)
            target = self.ingest.channel_for(case)
            moves = (
                case.source != CaseSource.LISTEN and case.thread_ts is not None and target != case.channel_id
            )
        if moves:
            try:
                surfaces.cards.move(case_id, target)
            except (SlackError, Busy):
                logger.exception("routing.move_failed case=%s channel=%s", case_id, target)
                surfaces.show(card_key(case_id))
                return refused(messages.move_failed(target))
        surfaces.show(card_key(case_id))
        return DONE
