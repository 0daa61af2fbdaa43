"""The suggestion status message in a case's thread: posted once per request, then updated in place.

It records a request's progress for the people in the thread, and is not kept in the store: a lost
answer at worst leaves a stale "drafting…" line, while the drafts themselves are surfaces of their own."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slackbridge.services.deps import Deps
from slackbridge.slack.blocks.common import Block
from slackbridge.slack.blocks.suggestions import (
    build_saved_done,
    build_suggest_done,
    build_suggest_failed,
    build_suggest_pending,
)
from slackbridge.slack.gateway import SlackError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Thread:
    case_id: int
    channel: str
    thread_ts: str


class SuggestionStatus:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def pending(self, thread: Thread, model: str | None, ts: str | None) -> str | None:
        """Show that suggestions are being drafted; returns the status message's ts."""
        return self._show(thread, build_suggest_pending(model), ts)

    def drafted(self, thread: Thread, count: int, model: str, flagged: int, ts: str | None) -> None:
        self._show(thread, build_suggest_done(count, model, flagged), ts)

    def saved(self, thread: Thread, count: int, ts: str | None) -> None:
        self._show(thread, build_saved_done(count), ts)

    def failed(self, thread: Thread, why: str, tweet_id: str | None, ts: str | None) -> None:
        self._show(thread, build_suggest_failed(why, thread.case_id, tweet_id), ts)

    def _show(self, thread: Thread, message: tuple[str, list[Block]], ts: str | None) -> str | None:
        """Post the status message in the thread, or update it in place; Slack failures are logged."""
        text, blocks = message
        try:
            if ts:
                self.deps.slack.update(thread.channel, ts, text, blocks)
                return ts
            return self.deps.slack.post(thread.channel, text, blocks, thread_ts=thread.thread_ts)
        except SlackError:
            logger.exception("suggest.status_failed case=%s", thread.case_id)
            return ts
