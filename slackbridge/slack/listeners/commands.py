"""/tweetcare: ack at once, then one lookup answered only to the asker (built in surfaces/lookups.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

from slackbridge.slack.surfaces.lookups import dispatch, say

if TYPE_CHECKING:
    from slackbridge.app import Services

logger = logging.getLogger(__name__)

COMMAND = "/tweetcare"


def register(app: App, services: Services) -> None:
    @app.command(COMMAND)
    def handle_tweetcare(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        user, channel = str(command.get("user_id") or ""), str(command.get("channel_id") or "")
        try:
            answer = dispatch(services, user, channel, str(command.get("text") or ""))
        except Exception:  # the asker gets a plain answer; the traceback goes to the log
            logger.exception("tweetcare.failed")
            answer = say(
                ":warning: Something went wrong while answering; it has been logged. Try again shortly."
            )
        try:
            respond(text=answer.text, blocks=answer.blocks, response_type="ephemeral")
        except Exception:
            logger.exception("tweetcare.respond_failed")
