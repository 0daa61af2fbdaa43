"""The App Home tab: what is on my plate, what waits for my approval, what is oldest, how today looks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from slackbridge.services.approval import Approvers
from slackbridge.services.deps import Deps
from slackbridge.services.lookups import Lookups
from slackbridge.services.stats import Stats
from slackbridge.slack.blocks.home import HomeData, build_home
from slackbridge.slack.gateway import SlackError

logger = logging.getLogger(__name__)


class HomeTab:
    """Publishes the Home view; refreshes only for people who opened it since start, so changes stay cheap."""

    def __init__(self, deps: Deps, lookups: Lookups, stats: Stats, approvers: Approvers) -> None:
        self.deps = deps
        self.lookups = lookups
        self.stats = stats
        self.approvers = approvers
        self._viewers: set[str] = set()
        self._publishing: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

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
        """Render and publish for one person (on app_home_opened, on refresh, or to answer a click)."""
        with self._lock:
            self._viewers.add(user)
            user_lock = self._publishing.setdefault(user, threading.Lock())
        # One publish at a time per person: a view read before a change can never land after a newer one.
        with user_lock:
            try:
                self.deps.slack.publish_home(user, build_home(self.data(user, notice)))
            except SlackError:
                logger.exception("home.publish_failed user=%s", user)

    def refresh_for(self, user_ids: Iterable[str | None]) -> None:
        """After a change that concerns these people; those who never opened the tab are skipped."""
        with self._lock:
            wanted = [u for u in dict.fromkeys(user_ids) if u and u in self._viewers]
        for user in wanted:
            self.publish(user)

    def refresh_approvers(self) -> None:
        """A draft appeared or left the queue: approvers looking at their Home should see it."""
        with self._lock:
            viewers = list(self._viewers)
        self.refresh_for(u for u in viewers if self.approvers.is_approver(u))
