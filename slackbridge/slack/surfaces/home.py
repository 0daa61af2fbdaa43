"""The App Home tab: one publish at a time per person, across processes, newest state wins."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from slackbridge.models import HomeViewer, utcnow
from slackbridge.services.deps import Deps
from slackbridge.slack.surfaces.base import home_key, parse_key

VIEWER_WINDOW = timedelta(days=30)

# Builds someone's Home view (with a notice on top); given by the Home service, which knows what it shows.
HomeSource = Callable[[str, str | None], dict[str, Any]]


class HomeSurface:
    """Publishes Home views. A change refreshes it only for the people concerned who opened the tab in
    the last 30 days (kept in the store, so a restart or a second process knows them too)."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.data: HomeSource | None = None  # set when the Home service is wired
        self.is_approver: Callable[[str], bool] = lambda user: False
        self._notices: dict[str, str] = {}  # the outcome of someone's last click on their tab
        self._lock = threading.Lock()

    def render(self, key: str) -> bool:
        user = parse_key(key)[1]
        if self.data is None:
            return True
        with self._lock:
            notice = self._notices.pop(user, None)
        try:
            self.deps.slack.publish_home(user, self.data(user, notice))
        except Exception:
            if notice is not None:
                with self._lock:
                    self._notices.setdefault(user, notice)
            raise
        return True

    def opened(self, user: str, notice: str | None = None) -> str:
        """Someone is looking (opened the tab, refreshed it, clicked on it): remember them; their key."""
        with self.deps.session() as session:
            viewer = session.get(HomeViewer, user) or HomeViewer(user_id=user)
            viewer.opened_at = utcnow()
            session.add(viewer)
        if notice:
            with self._lock:
                self._notices[user] = notice
        return home_key(user)

    def viewers(self, users: Iterable[str | None] | None = None) -> list[str]:
        """Keys of the Homes to refresh: these people (or all) who opened the tab lately."""
        where: list[Any] = []
        if users is not None:
            wanted = [u for u in dict.fromkeys(users) if u]
            if not wanted:
                return []
            where.append(col(HomeViewer.user_id).in_(wanted))
        since = utcnow() - VIEWER_WINDOW
        with self.deps.session() as session:
            query = select(HomeViewer.user_id).where(col(HomeViewer.opened_at) >= since, *where)
            return [home_key(u) for u in session.exec(query.order_by(col(HomeViewer.user_id)))]

    def approvers(self) -> list[str]:
        """Keys of the Homes of approvers who opened the tab lately (a draft appeared or left the queue)."""
        return [key for key in self.viewers() if self.is_approver(parse_key(key)[1])]
