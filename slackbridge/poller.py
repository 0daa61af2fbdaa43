"""Background loops: poll X (one process at a time), deliver to Slack, and back off politely on failure."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slackbridge.models import utcnow
from slackbridge.services.leadership import Leadership
from slackbridge.x.types import XError, XErrorKind

logger = logging.getLogger(__name__)

MAX_BACKOFF = 900.0
# X's rate-limit window is 15 minutes: a reset header further ahead is wrong (a clock, a proxy), and
# trusting it would stop polling for as long as it says.
RATE_LIMIT_CAP = 900.0
STANDBY_LOOK = 0.5  # how often a standby looks whether its leadership thread has taken the lead


@dataclass
class PollerStatus:
    last_success: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    next_run_in: float = 0.0
    stored_total: int = 0
    extra: dict[str, str] = field(default_factory=dict)
    failing_since: datetime | None = None  # first failure of the current streak
    auth_failed: bool = False  # X refused our keys: nothing gets better until someone fixes them
    next_run_at: datetime | None = None
    rate_limited_until: datetime | None = None  # when the current (capped) X rate-limit wait ends


class Poller:
    """Runs `step` every `interval` seconds in a thread; errors back off instead of stopping the loop.

    With a `leadership`, the step runs only while this process leads (a leader-only poller, e.g. reading
    X); without one, every process runs it (e.g. delivery to Slack)."""

    def __init__(
        self,
        name: str,
        step: Callable[[], int | None],
        interval: float,
        *,
        leadership: Leadership | None = None,
    ) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.leadership = leadership
        self.status = PollerStatus()
        self.pace: Callable[[], float] | None = None  # the interval after a good round, when it varies
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def role(self) -> str:
        if self.leadership is None or self.leadership.leading:
            return "leader"
        return "standby"

    def run_once(self) -> float:
        """One round; returns how long to wait before the next."""
        try:
            stored = self.step()
        except XError as exc:
            return self._failed(f"{exc.kind}: {exc.message}", self._x_wait(exc), kind=str(exc.kind))
        except Exception as exc:  # the loop must survive anything; the traceback goes to the log
            logger.exception("poller.failed poller=%s", self.name)
            return self._failed(type(exc).__name__, self._backoff())
        self.status.failures = 0
        self.status.last_error = None
        self.status.failing_since = None
        self.status.auth_failed = False
        self.status.rate_limited_until = None
        self.status.last_success = utcnow()
        if isinstance(stored, int):
            self.status.stored_total += stored
        return self._interval()

    def _interval(self) -> float:
        if self.pace is None:
            return self.interval
        try:
            return self.pace()
        except Exception:  # a failed look at the store keeps the usual pace
            logger.exception("poller.pace_failed poller=%s", self.name)
            return self.interval

    def _failed(self, error: str, wait: float, *, kind: str | None = None) -> float:
        status = self.status
        status.failures += 1
        status.last_error = error
        status.failing_since = status.failing_since or utcnow()
        status.auth_failed = kind == XErrorKind.AUTH
        if kind is not None:
            logger.warning("poller.x_error poller=%s kind=%s retry_in=%.0fs", self.name, kind, wait)
        return wait

    def _backoff(self) -> float:
        return min(MAX_BACKOFF, self.interval * 2 ** min(self.status.failures + 1, 10))

    def _x_wait(self, exc: XError) -> float:
        if exc.kind == XErrorKind.RATE_LIMITED and exc.retry_at:
            ahead = (exc.retry_at - utcnow()).total_seconds()
            wait = max(1.0, min(ahead, RATE_LIMIT_CAP))
            if ahead > RATE_LIMIT_CAP + 60:
                logger.warning(
                    "poller.rate_limit_reset_far poller=%s reset_at=%s waiting=%.0fs",
                    self.name,
                    exc.retry_at.isoformat(),
                    wait,
                )
            self.status.rate_limited_until = utcnow() + timedelta(seconds=wait)
            return wait
        if exc.kind == XErrorKind.AUTH:
            return MAX_BACKOFF
        return self._backoff()

    def unhealthy(self, after: float) -> str | None:
        """Why this poller needs a person, if it does: X refused our keys, or it failed for too long."""
        status = self.status
        if status.auth_failed:
            return f"X refused the credentials ({status.last_error})"
        if status.failing_since and (utcnow() - status.failing_since).total_seconds() > after:
            return f"failing since {status.failing_since.isoformat()} ({status.last_error})"
        return None

    def report(self) -> dict[str, Any]:
        status = self.status

        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "role": self.role,
            "last_success": iso(status.last_success),
            "last_error": status.last_error,
            "consecutive_failures": status.failures,
            "failing_since": iso(status.failing_since),
            "next_run_at": iso(status.next_run_at),
            "rate_limited_until": iso(status.rate_limited_until),
        }

    # -- the thread ------------------------------------------------------------------------------------------

    def _loop(self) -> None:
        lead = self.leadership
        while not self._stop.is_set():
            # Ask the database again right before a round: a lost session means lost leadership.
            if lead is not None and not (lead.leading and lead.check()):
                self.status.next_run_at = None
                self._stop.wait(STANDBY_LOOK)
                continue
            wait = self.run_once()
            self.status.next_run_in = wait
            self.status.next_run_at = utcnow() + timedelta(seconds=wait)
            self._wait(wait)

    def _wait(self, seconds: float) -> None:
        """Sleep until the next round; the leadership thread keeps the lead alive meanwhile."""
        deadline = utcnow() + timedelta(seconds=seconds)
        while not self._stop.is_set():
            left = (deadline - utcnow()).total_seconds()
            if left <= 0:
                return
            self._stop.wait(min(left, STANDBY_LOOK))
            if self.leadership is not None and not self.leadership.leading:
                return  # lost it while waiting: back to standby

    def start(self) -> None:
        if self.leadership is not None:
            self.leadership.start()
        self._thread = threading.Thread(target=self._loop, name=f"poller-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        if self.leadership is not None:
            self.leadership.stop()


Loop = Poller  # an every-process loop is a poller without leadership: Loop(name, step, interval)
