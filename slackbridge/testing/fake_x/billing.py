"""X's pay-per-use meter: what each read and post costs, and the running bill."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

from slackbridge.testing.fake_x.state import XState

PRICE_OWN_MENTION = Decimal("0.001")
PRICE_READ = Decimal("0.005")
PRICE_CREATE = Decimal("0.015")
PRICE_SUMMONED_REPLY = Decimal("0.01")
PRICE_CREATE_WITH_URL = Decimal("0.20")


class XBilling(XState):
    """The running bill: every read is counted, but a post read twice on one UTC day is billed once."""

    @property
    def cost_usd(self) -> float:
        with self._lock:
            return float(self._cost)

    def _bill_reads(self, tweets: list[dict[str, Any]], price: Decimal) -> None:
        today = self.clock().astimezone(UTC).date()
        for t in tweets:
            self.reads += 1
            if (today, t["id"]) not in self._read_today:
                self._read_today.add((today, t["id"]))
                self._cost += price
