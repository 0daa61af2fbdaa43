"""The running service's background work: leader-only pollers and every-process loops, and its health.

Any number of processes may run on one database. A poller (reading X) runs in the one process that
leads it (see services/leadership.py); a loop (delivering to Slack, sweeping) runs in every process, each
taking its own share of the work through claims in the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from slack_bolt import App

from slackbridge.app import Services
from slackbridge.poller import Poller
from slackbridge.services.leadership import leadership_for, new_holder_id
from slackbridge.x.types import XError

logger = logging.getLogger(__name__)

COMPLIANCE_SECONDS = 15 * 60  # a tick: the service decides when a check is due (every 12 h)
WRITING_SWEEP_SECONDS = 30.0
DELIVERY_SECONDS = 1.0  # every process looks for posts to show this often (one cheap query when idle)
SURFACE_SWEEP_SECONDS = 5.0  # Slack messages left behind by a crash or an outage are shown this soon
SLA_SECONDS = 30.0  # service levels are in minutes: a reminder is at most this late
# approval turns
NOTICE_SECONDS = 5.0  # owed notices left behind (a crash, a Slack outage) are posted this soon
REMINDER_SECONDS = 30.0  # how often the leader looks for drafts that waited too long
RETENTION_SECONDS = 60 * 60  # a tick: the service wipes once a day

Step = Callable[[], int | None]


@dataclass
class Runtime:
    """The app, its services and its background loops, started and stopped together."""

    app: App
    services: Services
    pollers: list[Poller] = field(default_factory=list)  # leader-only: one process at a time
    loops: list[Poller] = field(default_factory=list)  # every process
    holder: str = field(default_factory=new_holder_id)

    def add_poller(self, name: str, step: Step, interval: float) -> Poller:
        """A leader-only poller: among all processes on this database, exactly one runs it."""
        engine = self.services.deps.engine
        poller = Poller(name, step, interval, leadership=leadership_for(engine, name, holder=self.holder))
        self.pollers.append(poller)
        return poller

    def add_loop(self, name: str, step: Step, interval: float) -> Poller:
        """An every-process loop (e.g. a `sweep()` that claims its work in the store)."""
        loop = Poller(name, step, interval)
        self.loops.append(loop)
        return loop

    def mentions_round(self) -> int:
        ingest = self.services.ingest
        self.services.approval.recover_stuck()
        try:
            stored = ingest.poll_mentions()
        except XError as exc:
            self.services.ops_notices.polling_failed(exc)
            raise
        finally:
            ingest.deliver_pending()  # earlier stored posts go out even when X is failing now
        self.services.ops_notices.polling_ok()
        self.services.spend.check_budget()
        return stored

    def listen_round(self) -> int:
        try:
            if self.services.spend.over_budget():
                return 0  # the month's X budget is spent: listening waits for next month
            return self.services.listening.poll()
        finally:
            self.services.ingest.deliver_pending()

    def dm_round(self) -> int:
        try:
            return self.services.dms.poll()
        finally:
            self.services.ingest.deliver_pending()

    def add_default_pollers(self) -> None:
        settings = self.services.deps.settings
        mentions = self.add_poller("mentions", self.mentions_round, settings.poll_seconds)
        mentions.pace = self.services.spend.mention_interval  # slower once the month's budget is spent
        if settings.listen_channel:
            self.add_poller("listen", self.listen_round, settings.listen_seconds)
        # Deleted posts must be gone within 24 hours: the service checks every 12 h (room for an X outage);
        # the poller ticks more often to follow a batch compliance job until X has finished it.
        self.add_poller("compliance", self.services.compliance.sweep, COMPLIANCE_SECONDS)
        # service levels: due-soon and breach states, reminders and escalations (once each, leader only)
        if settings.sla is not None:
            self.add_poller("sla", self.services.sla.round, SLA_SECONDS)
        if settings.approval_reminder > 0:
            self.add_poller("reminders", self.services.reminders.sweep, REMINDER_SECONDS)
        if settings.retention_days is not None:
            self.add_poller("retention", self.services.retention.sweep, RETENTION_SECONDS)
        if settings.dm_channel:  # direct messages (issue 8)
            self.add_poller("dms", self.dm_round, settings.dm_poll_seconds)

    def add_default_loops(self) -> None:
        """What every process does, web-only ones included."""
        if not any(loop.name == "delivery" for loop in self.loops):
            self.add_loop("delivery", self.services.ingest.deliver_pending, DELIVERY_SECONDS)
        if not any(loop.name == "surfaces" for loop in self.loops):
            self.add_loop("surfaces", self.services.surfaces.sweep, SURFACE_SWEEP_SECONDS)
        if not any(loop.name == "notices" for loop in self.loops):
            self.add_loop("notices", self.services.notices.deliver, NOTICE_SECONDS)
        # team: cards whose "… is writing" note expired; each is cleared once, by a conditional update
        if not any(loop.name == "writing" for loop in self.loops):
            self.add_loop("writing", self.services.ownership.sweep_writing, WRITING_SWEEP_SECONDS)

    def start_pollers(self) -> None:
        """Start the pollers (each waits for its turn to lead) and the every-process loops."""
        for poller in [*self.pollers, *self.loops]:
            poller.start()
        if self.pollers:
            logger.info("runtime.started holder=%s pollers=%s", self.holder, [p.name for p in self.pollers])

    def stop(self) -> None:
        """Stop every loop and hand back leadership at once, so another process takes over now."""
        for poller in [*self.loops, *self.pollers]:
            poller.stop()

    def leads(self) -> list[str]:
        return [p.name for p in self.pollers if p.role == "leader"]

    def health(self) -> tuple[bool, dict[str, Any]]:
        report: dict[str, Any] = {"process": self.holder, "pollers": {}, "loops": {}}
        try:
            with self.services.deps.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            report["database"] = "ok"
        except Exception as exc:
            report["database"] = f"unreachable ({type(exc).__name__})"
        problems: list[str] = []
        after = self.services.deps.settings.unhealthy_after
        for poller in self.pollers:
            report["pollers"][poller.name] = poller.report()
            reason = poller.unhealthy(after) if poller.role == "leader" else None
            if reason:
                problems.append(f"{poller.name}: {reason}")
        for loop in self.loops:
            report["loops"][loop.name] = loop.report()
        if report["database"] != "ok":
            problems.insert(0, f"database: {report['database']}")
        report["problems"] = problems
        return not problems, report
