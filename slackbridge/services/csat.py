"""Customer satisfaction: one DM asking for a 1-5 rating when a DM case is resolved, and the answer.

The ask is claimed with a conditional update on `case.csat_asked_at` before X is called, so any number
of processes and clicks send it once at most."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from slackbridge.models import AuditAction, Case, CaseSource, Tweet, TweetSource, utcnow
from slackbridge.services import audit
from slackbridge.services.deps import Deps
from slackbridge.services.dm_rules import is_group_dm, rating
from slackbridge.services.ingest import count_usage
from slackbridge.slack.surfaces import Surfaces
from slackbridge.x.types import XError

logger = logging.getLogger(__name__)

QUESTION = (
    "Thanks for talking to us! How happy are you with the help you got? "
    "Reply with a number from 1 (not at all) to 5 (very happy)."
)


def record_answer(session: Session, case: Case, text: str, *, at: datetime) -> bool:
    """A customer's DM that answers the rating question (a lone 1-5, after the ask) is kept on the case."""
    score = rating(text)
    asked = case.csat_asked_at
    if score is None or asked is None or case.csat_score is not None or at < asked:
        return False
    done = session.execute(
        update(Case)
        .where(col(Case.id) == case.id, col(Case.csat_score).is_(None))
        .values(csat_score=score, csat_answered_at=at)
    ).rowcount  # type: ignore[attr-defined]
    if not done:
        return False
    session.refresh(case)
    audit.record(session, AuditAction.CSAT_ANSWERED, case_id=case.id, score=score)
    return True


def csat_summary(session: Session, *, since: datetime, until: datetime) -> tuple[float | None, int]:
    """(average rating, number of ratings) answered in [since, until): for stats."""
    row = session.execute(
        sa.select(sa.func.avg(col(Case.csat_score)), sa.func.count(col(Case.csat_score))).where(
            col(Case.csat_score).is_not(None),
            col(Case.csat_answered_at) >= since,
            col(Case.csat_answered_at) < until,
        )
    ).one()
    average, count = row
    return (float(average) if average is not None else None), int(count or 0)


class Csat:
    def __init__(self, deps: Deps, surfaces: Surfaces) -> None:
        self.deps = deps
        self.surfaces = surfaces

    def case_resolved(self, case_id: int) -> bool:
        """Ask the rating once, by DM, when the customer wrote by DM or the case moved to DM."""
        if not self.deps.settings.csat:
            return False
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            if case is None:
                return False
            dm_case = case if case.source == CaseSource.DM else None
            if dm_case is None and case.linked_case_id is not None:
                dm_case = session.get(Case, case.linked_case_id)
            if dm_case is None or dm_case.source != CaseSource.DM or is_group_dm(dm_case):
                return False
            now = utcnow()
            claimed = session.execute(
                update(Case)
                .where(col(Case.id) == dm_case.id, col(Case.csat_asked_at).is_(None))
                .values(csat_asked_at=now)
            ).rowcount  # type: ignore[attr-defined]
            if not claimed:
                return False
            audit.record(session, AuditAction.CSAT_ASKED, case_id=dm_case.id, resolved_case=case_id)
            target_id, customer_id, key = dm_case.id, dm_case.customer_id, dm_case.conversation_id
        assert target_id is not None
        try:
            sent = self.deps.x.send_dm(QUESTION, participant_id=customer_id)
        except XError as exc:  # asked at most once: a failed ask is logged, never repeated
            logger.warning("csat.ask_failed case=%s kind=%s status=%s", target_id, exc.kind, exc.status)
            return False
        brand_id = self.deps.brand().id
        try:
            with self.deps.session() as session:
                if session.get(Tweet, sent.event_id) is None:
                    session.add(
                        Tweet(
                            id=sent.event_id,
                            author_id=brand_id,
                            conversation_id=key,
                            text=QUESTION,
                            created_at=utcnow(),
                            source=TweetSource.DM_OURS,  # shown in the DM thread as ours
                            case_id=target_id,
                        )
                    )
                count_usage(session, "dm_send", writes=1)
        except IntegrityError:  # the DM poller stored it first
            logger.info("csat.ask_stored_elsewhere case=%s", target_id)
        logger.info("csat.asked case=%s", target_id)
        return True

    def answered(self, case_id: int) -> int | None:
        with self.deps.session() as session:
            return session.exec(select(Case.csat_score).where(Case.id == case_id)).first()
