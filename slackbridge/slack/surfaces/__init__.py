"""One owner per Slack surface: the case card, draft messages and the Home tab.

Services change state and say which surfaces a change affects (`touch` inside their transaction, then
`show`, or `changed` in one go); they never build blocks or call Slack for these themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session, col, select

from slackbridge.models import Case, Draft, DraftStatus, SlackSurface
from slackbridge.services.deps import Deps
from slackbridge.slack.surfaces.base import (
    Message,
    Renderer,
    SurfaceStore,
    card_key,
    draft_key,
    followup_key,
    home_key,
    parse_key,
    sla_note_key,
)
from slackbridge.slack.surfaces.cards import Cards
from slackbridge.slack.surfaces.dm import DmPointers
from slackbridge.slack.surfaces.drafts import DraftMessages
from slackbridge.slack.surfaces.home import HomeSurface
from slackbridge.slack.surfaces.sla_notices import SlaNotices

logger = logging.getLogger(__name__)

__all__ = [
    "Message",
    "Surfaces",
    "card_key",
    "draft_key",
    "followup_key",
    "home_key",
    "sla_note_key",
]

SWEEP_BATCH = 100


class Surfaces:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.store = SurfaceStore(deps)
        self.cards = Cards(deps, self.store)
        self.drafts = DraftMessages(deps, self.store)
        self.home = HomeSurface(deps)
        self.sla_notices = SlaNotices(deps, self.store)
        self._renderers: dict[str, Renderer] = {
            "card": self.cards.render,
            "followup": self.cards.render_followup,
            "draft": self.drafts.render,
            "home": self.home.render,
            "sla": self.sla_notices.render,
            "dmlink": DmPointers(deps, self.store).render,  # direct messages (issue 8)
        }

    def touch(self, session: Session, *keys: str) -> None:
        """These surfaces show state changed in `session`'s transaction: count the change with it."""
        if keys:
            self.store.bump(session, *keys)

    def show(self, *keys: str) -> None:
        """Bring these surfaces up to date now, unless another process is at it (then it does)."""
        for key in dict.fromkeys(keys):
            renderer = self._renderers.get(parse_key(key)[0])
            if renderer is not None:
                self.store.render(key, renderer)

    def changed(self, *keys: str) -> None:
        """A change already committed: count it and show it."""
        keys = tuple(dict.fromkeys(keys))
        if not keys:
            return
        with self.deps.session() as session:
            self.store.bump(session, *keys)
        self.show(*keys)

    def homes(self, users: Iterable[str | None]) -> list[str]:
        return self.home.viewers(users)

    def approver_homes(self) -> list[str]:
        return self.home.approvers()

    def sweep(self) -> int:
        """Render every surface left behind (a crash, a Slack outage, a draft never shown); returns how
        many were brought up to date. Run it every few seconds in every process."""
        self._adopt_unshown_drafts()
        done = 0
        for key in self.store.dirty(SWEEP_BATCH):
            renderer = self._renderers.get(parse_key(key)[0])
            if renderer is None:
                continue
            if self.store.render(key, renderer):
                done += 1
        return done

    def _adopt_unshown_drafts(self) -> None:
        """Drafts stored without a Slack message and without a surface row (e.g. from before surfaces
        were kept) become dirty surfaces, so the loop above posts them."""
        with self.deps.session() as session:
            rows = session.exec(
                select(Draft.id)
                .join(Case, col(Case.id) == col(Draft.case_id))
                .outerjoin(
                    SlackSurface,
                    col(SlackSurface.key) == sa.literal("draft:").concat(sa.cast(col(Draft.id), sa.String)),
                )
                .where(
                    col(Draft.slack_ts).is_(None),
                    col(Draft.status) != DraftStatus.DISCARDED,
                    col(Case.thread_ts).is_not(None),
                    col(SlackSurface.key).is_(None),
                )
                .limit(SWEEP_BATCH)
            ).all()
            ids = [draft_id for draft_id in rows if draft_id is not None]
            if ids:
                self.store.bump(session, *(draft_key(i) for i in ids))
