"""The one result type for anything a person triggers; the handler always shows it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    ok: bool
    notice: str | None = None  # for the person who acted (ephemeral), when there is something to say


DONE = Outcome(True)


def refused(notice: str) -> Outcome:
    return Outcome(False, notice)
