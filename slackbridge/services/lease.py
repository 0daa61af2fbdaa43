"""A lease in the store: one process at a time does a job, and a crashed holder is replaced after a while.

Used for card delivery, so a web process (e.g. `/tweetcare track`) and a worker never post the same post
to Slack twice. The lease is a row in the cursor table: its value names the holder, its `updated_at` says
when the holder last renewed it. Taking it is a conditional UPDATE (or the INSERT of the first row), so
two processes can never both hold it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from slackbridge.models import Cursor, utcnow
from slackbridge.services.deps import Deps


class Lease:
    def __init__(self, deps: Deps, name: str, ttl: timedelta) -> None:
        self.deps = deps
        self.name = name
        self.ttl = ttl
        self.holder = uuid.uuid4().hex[:16]  # this process (this service instance)

    def acquire(self) -> bool:
        """Take or renew the lease; False while another holder's lease is still fresh."""
        now = utcnow()
        with self.deps.session() as session:
            taken = session.execute(
                update(Cursor)
                .where(
                    col(Cursor.name) == self.name,
                    (col(Cursor.value) == self.holder) | (col(Cursor.updated_at) < now - self.ttl),
                )
                .values(value=self.holder, updated_at=now)
            ).rowcount  # type: ignore[attr-defined]
            if taken == 1:
                return True
            if session.get(Cursor, self.name) is not None:
                return False  # someone else holds it
        try:
            with self.deps.session() as session:
                session.add(Cursor(name=self.name, value=self.holder, updated_at=now))
        except IntegrityError:  # another process created the row first: it holds the lease
            return False
        return True

    def release(self) -> None:
        """Hand it back at once (instead of letting it expire), if we still hold it."""
        with self.deps.session() as session:
            session.execute(
                update(Cursor)
                .where(col(Cursor.name) == self.name, col(Cursor.value) == self.holder)
                .values(value="", updated_at=utcnow() - self.ttl - timedelta(seconds=1))
            )
