"""Leadership: exactly one process at a time runs each poller, with the database as the only coordinator.

PostgreSQL: a session-level advisory lock, held on a connection of its own; the server releases it the
moment that session ends (the process died, the network went), so a standby takes over within one beat.
SQLite: a lease row in the cursor table (`leader.<poller>`: holder and `updated_at`), renewed every beat
and taken over by a conditional UPDATE once nobody has renewed it for LEASE_TTL.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import uuid
from abc import ABC, abstractmethod
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from slackbridge.db import session_scope
from slackbridge.models import Cursor, utcnow

logger = logging.getLogger(__name__)

BEAT_SECONDS = 1.0  # how often the leader renews, and a standby tries to take over
LEASE_TTL = timedelta(seconds=5)  # SQLite: a lease nobody renewed for this long is free (takeover ≤ 6 s)


def new_holder_id() -> str:
    """Names this process (and instance) in leases and claims, readable in the store and in /healthz."""
    host = socket.gethostname().split(".")[0][:12]
    return f"{host}-{os.getpid()}-{uuid.uuid4().hex[:6]}"[:32]


class Leadership(ABC):
    """Takes or keeps the lead for one poller, every `beat` seconds on a thread of its own."""

    def __init__(self, name: str, *, holder: str, beat: float = BEAT_SECONDS) -> None:
        self.name = name
        self.holder = holder
        self.beat = beat
        self._lock = threading.Lock()  # one beat at a time (they share the lock's connection)
        self._leading = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def leading(self) -> bool:
        """What the last beat found; `check()` asks the database now."""
        return self._leading

    def check(self) -> bool:
        """One beat now: take the lead if it is free, keep it if ours. True while this process leads."""
        with self._lock:
            if self._stop.is_set():
                return False
            was = self._leading
            try:
                now = self._beat(was)
            except Exception as exc:  # the database is unreachable: nobody can be sure of leading
                logger.warning("leader.check_failed poller=%s error=%s", self.name, type(exc).__name__)
                self._drop()
                now = False
            self._leading = now
        if now and not was:
            logger.info("leader.gained poller=%s holder=%s", self.name, self.holder)
        elif was and not now:
            logger.warning("leader.lost poller=%s holder=%s", self.name, self.holder)
        return now

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"leader-{self.name}", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self.beat)

    def stop(self, timeout: float = 10.0) -> None:
        """Hand the lead back at once, so a standby need not wait for it to expire."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            if self._leading:
                try:
                    self._release()
                    logger.info("leader.released poller=%s holder=%s", self.name, self.holder)
                except Exception as exc:  # it expires on its own (or went with the connection)
                    logger.warning("leader.release_failed poller=%s error=%s", self.name, type(exc).__name__)
                self._leading = False
            self._drop()

    @abstractmethod
    def _beat(self, leading: bool) -> bool: ...

    @abstractmethod
    def _release(self) -> None: ...

    def _drop(self) -> None:  # noqa: B027 - most kinds hold nothing to forget
        """Forget any state tied to a connection that may be broken."""


class AdvisoryLeadership(Leadership):
    """PostgreSQL: `pg_try_advisory_lock` on a dedicated connection; alive connection = still leading."""

    def __init__(self, engine: sa.Engine, name: str, *, holder: str, beat: float = BEAT_SECONDS) -> None:
        super().__init__(name, holder=holder, beat=beat)
        self.engine = engine
        self.key = lock_key(name)
        self._conn: sa.Connection | None = None

    def _beat(self, leading: bool) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT 1"))
                return True  # the session lives, and with it the lock
            except sa.exc.DBAPIError:
                # The session is gone, and the server has released the lock with it: another process
                # may lead already. Lost; the next beat tries again like any standby.
                logger.warning("leader.connection_lost poller=%s", self.name)
                self._drop()
                return False
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        except Exception:
            conn.invalidate()
            conn.close()
            raise
        if got:
            self._conn = conn  # kept checked out: the lock lives as long as this session
            return True
        conn.close()
        return False

    def _release(self) -> None:
        if self._conn is not None:
            self._conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()  # never hand a session that may hold the lock back to the pool
                conn.close()
            except Exception:  # already broken
                logger.debug("leader.drop_failed poller=%s", self.name, exc_info=True)


class LeaseLeadership(Leadership):
    """SQLite (one machine): a lease row renewed every beat, taken over once stale."""

    def __init__(
        self,
        engine: sa.Engine,
        name: str,
        *,
        holder: str,
        beat: float = BEAT_SECONDS,
        ttl: timedelta = LEASE_TTL,
    ) -> None:
        super().__init__(name, holder=holder, beat=beat)
        self.engine = engine
        self.ttl = ttl
        self.row = f"leader.{name}"

    def _beat(self, leading: bool) -> bool:
        now = utcnow()
        with session_scope(self.engine) as session:
            taken = session.execute(
                update(Cursor)
                .where(
                    col(Cursor.name) == self.row,
                    (col(Cursor.value) == self.holder)
                    | (col(Cursor.value) == "")
                    | (col(Cursor.updated_at) < now - self.ttl),
                )
                .values(value=self.holder, updated_at=now)
            ).rowcount  # type: ignore[attr-defined]
            if taken == 1:
                return True
            if session.get(Cursor, self.row) is not None:
                return False  # another process holds a fresh lease
        try:
            with session_scope(self.engine) as session:
                session.add(Cursor(name=self.row, value=self.holder, updated_at=now))
        except IntegrityError:  # another process created the row first: it leads
            return False
        return True

    def _release(self) -> None:
        with session_scope(self.engine) as session:
            session.execute(
                update(Cursor)
                .where(col(Cursor.name) == self.row, col(Cursor.value) == self.holder)
                .values(value="", updated_at=utcnow())
            )


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key per poller (advisory locks are per database)."""
    digest = hashlib.blake2b(f"slackbridge.leader.{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def leadership_for(engine: sa.Engine, name: str, *, holder: str, beat: float = BEAT_SECONDS) -> Leadership:
    """The right kind for the store: an advisory lock on PostgreSQL, a lease row elsewhere."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLeadership(engine, name, holder=holder, beat=beat)
    return LeaseLeadership(engine, name, holder=holder, beat=beat)
