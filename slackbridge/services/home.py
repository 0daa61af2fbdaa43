"""The App Home tab: what is on my plate, what waits for my approval, what is oldest, how today looks."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from slackbridge.models import HomeViewer, utcnow
from slackbridge.services.approval import Approvers
from slackbridge.services.deps import Deps
from slackbridge.services.locks import StripedLocks
from slackbridge.services.lookups import Lookups
from slackbridge.services.stats import Stats
from slackbridge.slack.blocks.home import HomeData, build_home
from slackbridge.slack.gateway import SlackError

logger = logging.getLogger(__name__)


VIEWER_WINDOW = timedelta(days=30)


class HomeTab:
    """Publishes the Home view. A change refreshes it only for the people concerned who opened the tab in
    the last 30 days (kept in the store, so a restart or a second process knows them too): changes stay
    cheap, and nobody's tab is left stale after a deploy."""

    def __init__(self, deps: Deps, lookups: Lookups, stats: Stats, approvers: Approvers) -> None:
        self.deps = deps
        self.lookups = lookups
        self.stats = stats
        self.approvers = approvers
        self._publishing = StripedLocks()

    def data(self, user: str, notice: str | None = None) -> HomeData:
        is_approver = self.approvers.is_approver(user)
        return HomeData(
            notice=notice,
            user_id=user,
            is_approver=is_approver,
            mine=self.lookups.mine(user),
            pending=self.lookups.pending(limit=10) if is_approver else None,
            oldest=self.lookups.queue(limit=10),
            today=self.stats.today(),
        )

    def publish(self, user: str, notice: str | None = None) -> None:
        """Render and publish for one person who is looking (opened the tab, refreshed it, clicked on it)."""
        with self.deps.session() as session:
            viewer = session.get(HomeViewer, user) or HomeViewer(user_id=user)
            viewer.opened_at = utcnow()
            session.add(viewer)
        self._publish(user, notice)

    def _publish(self, user: str, notice: str | None = None) -> None:
        # One publish at a time per person: a view read before a change can never land after a newer one.
        with self._publishing(user):
            try:
                self.deps.slack.publish_home(user, build_home(self.data(user, notice)))
            except SlackError:
                logger.exception("home.publish_failed user=%s", user)

    def refresh_for(self, user_ids: Iterable[str | None]) -> None:
        """After a change that concerns these people; those who have not opened the tab lately are skipped."""
        wanted = [u for u in dict.fromkeys(user_ids) if u]
        if not wanted:
            return
        for user in self._viewers(col(HomeViewer.user_id).in_(wanted)):
            self._publish(user)

    def refresh_approvers(self) -> None:
        """A draft appeared or left the queue: approvers looking at their Home should see it."""
        for user in self._viewers():
            if self.approvers.is_approver(user):
                self._publish(user)

    def _viewers(self, *where: Any) -> list[str]:
        since = utcnow() - VIEWER_WINDOW
        with self.deps.session() as session:
            query = select(HomeViewer.user_id).where(col(HomeViewer.opened_at) >= since, *where)
            return list(session.exec(query.order_by(col(HomeViewer.user_id))))
