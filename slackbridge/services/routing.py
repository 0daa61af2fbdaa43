"""Re-categorising a case from its card; when the category has its own channel, the case moves there."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from sqlmodel import col, update

from slackbridge.models import AuditAction, Case, CaseSource, Tweet, utcnow
from slackbridge.services import audit
from slackbridge.services.cases import Cases, card_view
from slackbridge.services.deps import Deps
from slackbridge.services.ingest import Ingest
from slackbridge.slack.blocks.card import build_case_card, fallback_text
from slackbridge.slack.gateway import SlackError
from slackbridge.triage.types import Category

logger = logging.getLogger(__name__)


class Routing:
    def __init__(self, deps: Deps, cases: Cases, ingest: Ingest) -> None:
        self.deps, self.cases, self.ingest = deps, cases, ingest

    def recategorise(self, case_id: int, category: str, *, actor: str) -> str | None:
        """Set the category (conditional on the one the clicker saw); returns a problem to show, or None."""
        if category not in {c.value for c in Category}:
            return f"Unknown category {category!r}."
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            if case is None:
                return "That case no longer exists."
            before = case.category
            if before == category:
                return None
            same = col(Case.category).is_(None) if before is None else col(Case.category) == before
            changed = session.execute(
                update(Case)
                .where(col(Case.id) == case_id, same)
                .values(category=category, updated_at=utcnow())
            ).rowcount  # type: ignore[attr-defined]
            if not changed:
                return "Someone changed this case's category meanwhile: look at the card again."
            change: dict[str, Any] = {"from": before, "to": category}
            audit.record(
                session,
                AuditAction.CASE_RECATEGORISED,
                actor=actor,
                case_id=case_id,
                **change,
            )
            session.refresh(case)
            target = self.ingest.channel_for(case)
            moves = (
                case.source != CaseSource.LISTEN and case.thread_ts is not None and target != case.channel_id
            )
        if moves:
            return self._move(case_id, target)
        self.cases.refresh_card(case_id)
        return None

    def _move(self, case_id: int, target: str) -> str | None:
        """A new card in the category's channel becomes the case's thread; the old card points to it."""
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            assert case is not None
            old_channel, old_ts = case.channel_id, case.thread_ts
            view = card_view(self.deps, session, case)
        try:
            channel, ts = self.deps.slack.post_message(target, fallback_text(view), build_case_card(view))
        except SlackError:
            logger.exception("routing.move_failed case=%s channel=%s", case_id, target)
            self.cases.refresh_card(case_id)
            return f"The category changed, but Slack did not post the card in <#{target}>: it stays here."
        with self.deps.session() as session:
            moved = session.execute(
                update(Case)
                .where(col(Case.id) == case_id, col(Case.thread_ts) == old_ts)
                .values(channel_id=channel, thread_ts=ts, updated_at=utcnow())
            ).rowcount  # type: ignore[attr-defined]
            if not moved:  # a second move won the race: ours is a stray card
                logger.warning("routing.move_raced case=%s", case_id)
            else:
                case = session.get(Case, case_id)
                assert case is not None
                root = session.get(Tweet, case.root_tweet_id)
                if root is not None:  # the root now lives on the new card, which renders normally
                    root.slack_channel, root.slack_ts = channel, ts
                    session.add(root)
                audit.record(
                    session,
                    AuditAction.CASE_CARDED,
                    case_id=case_id,
                    channel=channel,
                    ts=ts,
                    moved_from=old_channel,
                )
        if moved and old_channel and old_ts:
            pointer = replace(view, moved_to_channel=channel)
            try:
                self.deps.slack.update(old_channel, old_ts, fallback_text(pointer), build_case_card(pointer))
            except SlackError:
                logger.exception("routing.old_card_update_failed case=%s", case_id)
        return None
