"""Newest state wins across processes: one row per Slack surface, a version bumped by every change, and a
short claim so only one process at a time renders a surface.

A change bumps the surface's `version` (in the change's own transaction where it can). Rendering claims
the row, reads the version, then the state, sends it to Slack and stores `rendered = version read`; while
`version > rendered` (a change that arrived meanwhile) it renders again. A process that finds the row
claimed leaves its bump: the holder sees it before letting go. A holder that died leaves the row dirty
with an expired claim, which `sweep` renders again.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult, Result
from sqlmodel import Session, col, or_, select, update

from slackbridge.models import SlackSurface, utcnow
from slackbridge.services.deps import Deps
from slackbridge.slack.gateway import Blocks, SlackError
from slackbridge.slack.surfaces.guard import SLACK_UNAVAILABLE

logger = logging.getLogger(__name__)

# A claim is renewed while its holder works (a Slack call may take 15 s, a 429 wait longer); short, so a
# surface held by a process that died is free again within seconds (a first card waits for it).
CLAIM_TTL = timedelta(seconds=12)
CLAIM_RENEW_SECONDS = 3.0
MAX_ROUNDS = 20  # renders in a row for one caller; a surface changing faster is finished by sweep()
IN_PROCESS_WAIT = 10.0  # seconds a change waits for another thread of this process to render it
ATTEMPT_SLACK = 60.0  # seconds of clock difference allowed when looking for an earlier attempt on Slack


@dataclass(frozen=True)
class Message:
    """One Slack message as sent: the notification text (already escaped) and its blocks."""

    text: str
    blocks: Blocks


def card_key(case_id: int) -> str:
    return f"card:{case_id}"


def draft_key(draft_id: int) -> str:
    return f"draft:{draft_id}"


def home_key(user: str) -> str:
    return f"home:{user}"


def followup_key(tweet_id: str) -> str:
    return f"followup:{tweet_id}"


def sla_note_key(case_id: int, kind: str, due: datetime) -> str:
    """A reminder or escalation in a case's thread: one per case, kind and turn (its due time)."""
    return f"sla:{case_id}:{kind}:{int(due.timestamp())}"


def parse_key(key: str) -> tuple[str, str]:
    kind, _, ident = key.partition(":")
    return kind, ident


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE changed (what a conditional update's caller needs to know)."""
    return int(cast(CursorResult[Any], result).rowcount)


class Busy(Exception):
    """Another process is rendering this surface right now."""


# A renderer shows the current state of one surface; it returns False when the surface could not be
# shown yet (left dirty for a later round) and raises SlackError when Slack failed.
Renderer = Callable[[str], bool]


class SurfaceStore:
    """The SlackSurface rows: bumps, claims and the render loop."""

    def __init__(self, deps: Deps, *, holder: str | None = None) -> None:
        self.deps = deps
        self.holder = holder or uuid.uuid4().hex[:16]

    # -- versions ------------------------------------------------------------------------------------------

    def bump(self, session: Session, *keys: str) -> None:
        """Count a change of the state these surfaces show, inside the change's own transaction."""
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        table: Any = SlackSurface.__table__  # type: ignore[attr-defined]
        now = utcnow()
        for key in dict.fromkeys(keys):
            statement = insert(table).values(key=key, version=1, rendered=0, updated_at=now)
            statement = statement.on_conflict_do_update(
                index_elements=["key"], set_={"version": table.c.version + 1, "updated_at": now}
            )
            session.execute(statement)

    def row(self, key: str) -> SlackSurface | None:
        with self.deps.session() as session:
            return session.get(SlackSurface, key)

    def dirty(self, limit: int = 100) -> list[str]:
        """Surfaces behind their state that nobody is rendering (or whose renderer died)."""
        now = utcnow()
        with self.deps.session() as session:
            return list(
                session.exec(
                    select(SlackSurface.key)
                    .where(
                        col(SlackSurface.version) > col(SlackSurface.rendered),
                        or_(col(SlackSurface.claimed_until).is_(None), col(SlackSurface.claimed_until) < now),
                    )
                    .order_by(col(SlackSurface.updated_at))
                    .limit(limit)
                )
            )

    # -- claims --------------------------------------------------------------------------------------------

    def claim(self, key: str, *, only_dirty: bool = True) -> str | None:
        """Take the surface for one render (or first post); the claim's token, or None if held elsewhere.

        Each claim has its own token, so two threads of one process exclude each other too."""
        token = f"{self.holder}.{uuid.uuid4().hex[:12]}"
        now = utcnow()
        conditions = [
            col(SlackSurface.key) == key,
            or_(col(SlackSurface.claimed_until).is_(None), col(SlackSurface.claimed_until) < now),
        ]
        if only_dirty:
            conditions.append(col(SlackSurface.version) > col(SlackSurface.rendered))
        with self.deps.session() as session:
            taken = rows_changed(
                session.execute(
                    update(SlackSurface)
                    .where(*conditions)
                    .values(claimed_by=token, claimed_until=now + CLAIM_TTL)
                )
            )
        return token if taken else None

    def release(self, key: str, token: str) -> None:
        with self.deps.session() as session:
            session.execute(
                update(SlackSurface)
                .where(col(SlackSurface.key) == key, col(SlackSurface.claimed_by) == token)
                .values(claimed_by=None, claimed_until=None)
            )

    def version(self, key: str) -> int:
        with self.deps.session() as session:
            row = session.get(SlackSurface, key)
            return row.version if row else 0

    def mark_rendered(self, key: str, version: int, token: str, **where: str | None) -> bool:
        """Slack shows `version` now; refused (False) if our claim was taken over meanwhile."""
        with self.deps.session() as session:
            done = rows_changed(
                session.execute(
                    update(SlackSurface)
                    .where(col(SlackSurface.key) == key, col(SlackSurface.claimed_by) == token)
                    .values(rendered=version, claimed_until=utcnow() + CLAIM_TTL, **where)
                )
            )
            if not done:
                # Another process took over while we were slow: what we sent may be older than what it
                # sent, so make sure the surface is rendered once more.
                logger.warning("surface.claim_lost key=%s", key)
                self.bump(session, key)
        return bool(done)

    @contextmanager
    def holding(self, key: str, *, wait: float = 5.0) -> Iterator[str]:
        """Hold the surface's claim (clean or dirty) for a first post; Busy if it stays claimed."""
        with self.deps.session() as session:
            if session.get(SlackSurface, key) is None:
                self.bump(session, key)
        deadline = time.monotonic() + wait
        while (token := self.claim(key, only_dirty=False)) is None:
            if time.monotonic() >= deadline:
                raise Busy(key)
            time.sleep(0.05)
        try:
            with self.kept(key, token):
                yield token
        finally:
            self.release(key, token)

    @contextmanager
    def kept(self, key: str, token: str) -> Iterator[None]:
        """Renew the claim while its holder is working, so only a dead holder's claim lapses."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(CLAIM_RENEW_SECONDS):
                try:
                    with self.deps.session() as session:
                        session.execute(
                            update(SlackSurface)
                            .where(col(SlackSurface.key) == key, col(SlackSurface.claimed_by) == token)
                            .values(claimed_until=utcnow() + CLAIM_TTL)
                        )
                except Exception:  # the next renewal (or the claim's expiry) settles it
                    logger.warning("surface.renew_failed key=%s", key, exc_info=True)

        keeper = threading.Thread(target=renew, name=f"surface-{key}", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            done.set()
            keeper.join()

    # -- the render loop -----------------------------------------------------------------------------------

    def render(self, key: str, renderer: Renderer) -> bool:
        """Render until Slack shows the newest state or another process holds the surface.

        Returns False when the surface is left dirty (Slack failed, or it cannot be shown yet)."""
        rounds = 0
        deadline = time.monotonic() + IN_PROCESS_WAIT
        while rounds < MAX_ROUNDS:
            token = self.claim(key)
            if token is None:
                # Another thread of this process renders it: wait for it, so whoever changed the state
                # returns once Slack shows it. Another process's holder is left to finish on its own.
                if self._held_here(key) and time.monotonic() < deadline:
                    time.sleep(0.02)
                    continue
                return True
            try:
                with self.kept(key, token):
                    shown, rounds = self._render_rounds(key, renderer, token, rounds)
            finally:
                self.release(key, token)
            if not shown:
                return False
            # A bump that arrived after our last look but before the release found the row claimed and
            # left it to us: the claim above picks it up.
        return False

    def _render_rounds(self, key: str, renderer: Renderer, token: str, rounds: int) -> tuple[bool, int]:
        """Render under the claim while newer versions arrive; (False, rounds) leaves the surface dirty."""
        while rounds < MAX_ROUNDS:
            rounds += 1
            version = self.version(key)  # read before the state: the state is at least as new
            try:
                shown = renderer(key)
            except SlackError as exc:
                if exc.code in SLACK_UNAVAILABLE:  # Slack is down or busy: sweep() tries again
                    logger.warning("surface.render_failed key=%s error=%s", key, exc.code)
                    return False, rounds
                # Something about this surface (its message deleted, the bot out of the channel):
                # retrying cannot help, and sweep() must not try it forever.
                logger.error("surface.render_abandoned key=%s error=%s", key, exc.code)
                shown = True
            if not shown:
                return False, rounds
            if not self.mark_rendered(key, version, token) or self.version(key) <= version:
                break
        return True, rounds

    def _held_here(self, key: str) -> bool:
        """Dirty and claimed by a live claim of this process."""
        row = self.row(key)
        return (
            row is not None
            and row.version > row.rendered
            and (row.claimed_by or "").startswith(f"{self.holder}.")
            and row.claimed_until is not None
            and row.claimed_until > utcnow()
        )
