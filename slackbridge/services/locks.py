"""Striped locks: renders of the same Slack message (a card, a draft, someone's Home) never cross.

Two threads re-rendering one message can read the state in one order and reach Slack in the other, so
an older view would overwrite a newer one. Holding the message's lock while reading the state and
updating Slack makes the last writer also the last reader. A fixed set of stripes keeps memory bounded;
two messages sharing a stripe just wait for each other briefly.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

STRIPES = 64


class StripedLocks:
    def __init__(self, stripes: int = STRIPES) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    def __call__(self, key: Hashable) -> threading.Lock:
        return self._locks[hash(key) % len(self._locks)]
