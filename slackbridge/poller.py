"""The background loop: poll X, deliver to Slack, and back off politely when either fails."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slackbridge.models import utcnow
from slackbridge.x.types import XError, XErrorKind

logger = logging.getLogger(__name__)

MAX_BACKOFF = 900.0


@dataclass
class PollerStatus:
    last_success: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    next_run_in: float = 0.0
    stored_total: int = 0
    extra: dict[str, str] = field(default_factory=dict)


class Poller:
    """Runs `step` every `interval` seconds in a thread; errors back off instead of stopping the loop."""

    def __init__(self, name: str, step: Callable[[], int | None], interval: float) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.status = PollerStatus()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> float:
        """One round; returns how long to wait before the next."""
        try:
            stored = self.step()
        except XError as exc:
            self.status.failures += 1
            self.status.last_error = f"{exc.kind}: {exc.message}"
            if exc.kind == XErrorKind.RATE_LIMITED and exc.retry_at:
                wait = max(1.0, (exc.retry_at - utcnow()).total_seconds())
            elif exc.kind == XErrorKind.AUTH:
                wait = MAX_BACKOFF
            else:
                wait = min(MAX_BACKOFF, self.interval * 2 ** min(self.status.failures, 10))
            logger.warning("poller.x_error poller=%s kind=%s retry_in=%.0fs", self.name, exc.kind, wait)
            return wait
        except Exception as exc:  # the loop must survive anything; the traceback goes to the log
            self.status.failures += 1
            self.status.last_error = type(exc).__name__
            logger.exception("poller.failed poller=%s", self.name)
            return min(MAX_BACKOFF, self.interval * 2 ** min(self.status.failures, 10))
        self.status.failures = 0
        self.status.last_error = None
        self.status.last_success = utcnow()
        if isinstance(stored, int):
            self.status.stored_total += stored
        return self.interval

    def _loop(self) -> None:
        while not self._stop.is_set():
            wait = self.run_once()
            self.status.next_run_in = wait
            self._stop.wait(wait)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=f"poller-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
