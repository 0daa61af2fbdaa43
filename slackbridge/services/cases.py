"""Cases: finding them, showing them as cards, resolving and reopening them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlmodel import Session, col, select, update

from slackbridge import messages
from slackbridge.models import AuditAction, Case, CaseOutcome, CaseStatus, Tweet, TweetSource, utcnow
from slackbridge.services import audit
from slackbridge.services.deps import Deps
from slackbridge.services.outcome import DONE, Outcome, refused
from slackbridge.services.sla_clock import CLEARED, open_turn
from slackbridge.slack.surfaces import Surfaces, card_key
from slackbridge.slack.surfaces.cards import author_view, card_view, tweet_view

__all__ = ["Cases", "author_view", "card_view", "case_for_thread", "latest_customer_tweet", "tweet_view"]

logger = logging.getLogger(__name__)


def case_for_thread(session: Session, channel: str, thread_ts: str) -> Case | None:
    return session.exec(select(Case).where(Case.channel_id == channel, Case.thread_ts == thread_ts)).first()


def customer_tweets(session: Session, case: Case) -> list[Tweet]:
    """The customer-side posts of a case, oldest first (ours excluded)."""
    return list(
        session.exec(
            select(Tweet)
            .where(
                Tweet.case_id == case.id,
                col(Tweet.source).not_in([TweetSource.OURS, TweetSource.DM_OURS]),
                col(Tweet.deleted_at).is_(None),
            )
            .order_by(col(Tweet.created_at), col(Tweet.id))
        )
    )


def latest_customer_tweet(session: Session, case: Case) -> Tweet | None:
    tweets = customer_tweets(session, case)
    return tweets[-1] if tweets else None


class Cases:
    def __init__(self, deps: Deps, surfaces: Surfaces) -> None:
        self.deps = deps
        self.surfaces = surfaces
        # Set by the app: what follows a resolve (the CSAT question by DM, issue 8).
        self.on_resolved: Callable[[int], object] | None = None

    def refresh_card(self, case_id: int) -> None:
        """The case changed outside a service transaction: show it on its card (newest state wins)."""
        self.surfaces.changed(card_key(case_id))

    def set_status(
        self, case_id: int, status: CaseStatus, *, actor: str, outcome: CaseOutcome | None = None
    ) -> Outcome:
        """Resolve (with how it ended) or reopen; a refusal says why (already resolved, gone)."""
        allowed_from = {
            CaseStatus.RESOLVED: [CaseStatus.OPEN, CaseStatus.WAITING],
            CaseStatus.OPEN: [CaseStatus.RESOLVED, CaseStatus.WAITING],
        }[status]
        now = utcnow()
        values: dict[str, object] = {"status": status, "updated_at": now}
        with self.deps.session() as session:
            opened = session.exec(select(Case.created_at).where(col(Case.id) == case_id)).first()
            if opened is None:
                return refused(messages.CASE_GONE)
            if status == CaseStatus.RESOLVED:
                took = max(0, int((now - opened).total_seconds()))
                values.update(
                    resolved_at=now, waiting_since=None, outcome=outcome, resolution_seconds=took, **CLEARED
                )
            else:
                values.update(resolved_at=None, waiting_since=now, outcome=None, resolution_seconds=None)
            result = session.execute(
                update(Case)
                .where(col(Case.id) == case_id, col(Case.status).in_(allowed_from))
                .values(**values)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                case = session.get(Case, case_id)
                if case is None:
                    return refused(messages.CASE_GONE)
                return refused(messages.case_already(case_id, case.status))
            if status == CaseStatus.RESOLVED:
                chosen = outcome.value if outcome else None
                audit.record(session, AuditAction.CASE_RESOLVED, actor=actor, case_id=case_id, outcome=chosen)
            else:
                audit.record(session, AuditAction.CASE_REOPENED, actor=actor, case_id=case_id)
            if status == CaseStatus.OPEN:
                reopened = session.get(Case, case_id)
                if reopened is not None:  # reopened by hand: the next response is due from now
                    open_turn(reopened, self.deps.settings.sla, now)
                    session.add(reopened)
            self.surfaces.touch(session, card_key(case_id))
        self.surfaces.show(card_key(case_id))
        if status == CaseStatus.RESOLVED and self.on_resolved is not None:
            self.on_resolved(case_id)
        return DONE
