"""Events: `reply:` messages in a case thread become drafts; other thread talk stays internal."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltContext

from slackbridge.services.drafts import is_reply_command
from slackbridge.services.inbox import ATTEMPT
from slackbridge.slack.gateway import SlackError

if TYPE_CHECKING:
    from slackbridge.app import Services

logger = logging.getLogger(__name__)


def is_staff_thread_reply(event: dict[str, Any]) -> bool:
    """A person's reply inside a thread (not a bot, not an edit or join notice, not the parent)."""
    thread_ts = event.get("thread_ts")
    return bool(
        thread_ts
        and thread_ts != event.get("ts")
        and not event.get("bot_id")
        and event.get("subtype") in (None, "thread_broadcast")
        and event.get("user")
    )


def register(app: App, services: Services) -> None:
    @app.event("message")
    def handle_message(event: dict[str, Any], context: BoltContext) -> None:
        if not is_staff_thread_reply(event) or not is_reply_command(str(event.get("text") or "")):
            return
        channel, user = str(event["channel"]), str(event["user"])
        outcome = services.drafts.from_thread_message(
            channel=channel,
            thread_ts=str(event["thread_ts"]),
            message_ts=str(event["ts"]),
            user=user,
            text=str(event.get("text") or ""),
            redelivered=int(context.get(ATTEMPT) or 1) > 1,
        )
        if outcome is None or not outcome.problem:
            return
        try:
            services.deps.slack.ephemeral(
                channel,
                user,
                f":warning: Draft not saved. {outcome.problem}",
                thread_ts=str(event["thread_ts"]),
            )
        except SlackError:
            logger.exception("draft.problem_notice_failed")
