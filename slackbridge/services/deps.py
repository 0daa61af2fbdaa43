"""What every service needs: settings, the store, and the two outbound edges."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session

from slackbridge.config import Settings
from slackbridge.db import session_scope
from slackbridge.slack.gateway import SlackGateway
from slackbridge.x.client import XClient
from slackbridge.x.types import XUser


@dataclass
class Deps:
    settings: Settings
    engine: sa.Engine
    slack: SlackGateway
    x: XClient
    _brand: XUser | None = field(default=None, repr=False)
    _brand_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    def brand(self) -> XUser:
        """The brand account (GET /2/users/me), asked once per process."""
        with self._brand_lock:
            if self._brand is None:
                self._brand = self.x.me()
            return self._brand

    def brand_username(self) -> str | None:
        return self._brand.username if self._brand else None
