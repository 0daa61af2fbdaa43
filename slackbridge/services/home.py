"""The App Home tab: what is on my plate, what waits for my approval, what is oldest, how today looks."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from slackbridge.services.approval import Approvers
from slackbridge.services.deps import Deps
from slackbridge.services.dm_access import DmAudience
from slackbridge.services.lookups import Lookups
from slackbridge.services.stats import Stats
from slackbridge.slack.blocks.home import HomeData, build_home
from slackbridge.slack.surfaces import Surfaces

logger = logging.getLogger(__name__)


class HomeTab:
    """What the Home view shows; publishing (one at a time per person, newest wins) is the Home surface's.
    A change refreshes it only for the people concerned who opened the tab in the last 30 days."""

    def __init__(
        self, deps: Deps, lookups: Lookups, stats: Stats, approvers: Approvers, surfaces: Surfaces
    ) -> None:
        self.deps = deps
        self.lookups = lookups
        self.stats = stats
        self.approvers = approvers
        self.surfaces = surfaces
        self.dm_audience = DmAudience(deps)
        surfaces.home.data = self.view
        surfaces.home.is_approver = approvers.is_approver

    def data(self, user: str, notice: str | None = None) -> HomeData:
        is_approver = self.approvers.is_approver(user)
        dms = self.dm_audience.sees_dms(user)  # DM cases only for people in the DM channel (issue 8)
        return HomeData(
            notice=notice,
            user_id=user,
            is_approver=is_approver,
            mine=self.lookups.mine(user, with_dms=dms),
            pending=self.lookups.pending(limit=10, with_dms=dms) if is_approver else None,
            oldest=self.lookups.queue(limit=10, with_dms=dms),
            today=self.stats.today(),
        )

    def view(self, user: str, notice: str | None = None) -> dict[str, Any]:
        return build_home(self.data(user, notice))

    def publish(self, user: str, notice: str | None = None) -> None:
        """Render and publish for one person who is looking (opened the tab, refreshed it, clicked on it)."""
        self.surfaces.changed(self.surfaces.home.opened(user, notice))

    def refresh_for(self, user_ids: Iterable[str | None]) -> None:
        """After a change that concerns these people; those who have not opened the tab lately are skipped."""
        self.surfaces.changed(*self.surfaces.homes(user_ids))

    def refresh_approvers(self) -> None:
        """A draft appeared or left the queue: approvers looking at their Home should see it."""
        self.surfaces.changed(*self.surfaces.approver_homes())
