"""Suggest-reply clicks and the category picker: ack at once, then one service call."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

from slackbridge.slack.ids import ActionId, decode_case_block
from slackbridge.slack.listeners.common import STALE_BUTTON, action_ref, selected_value, show, tell, user_id

if TYPE_CHECKING:
    from slackbridge.app import Services

logger = logging.getLogger(__name__)


def card_case_id(body: dict[str, Any]) -> int | None:
    """The case behind an element of a card's actions block (block_id "case:<id>")."""
    try:
        return decode_case_block(body["actions"][0]["block_id"])
    except (KeyError, IndexError, TypeError):
        return None


def register(app: App, services: Services) -> None:
    @app.action(ActionId.SUGGEST.value)
    def handle_suggest(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.case_id is None:
            return tell(respond, STALE_BUTTON)
        show(respond, services.suggestions.suggest(ref.case_id, user=user_id(body), tweet_id=ref.extra))

    @app.action(ActionId.SUGGEST_RETRY.value)
    def handle_suggest_retry(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.case_id is None:
            return tell(respond, STALE_BUTTON)
        status_ts = (body.get("container") or {}).get("message_ts")  # the failed status message, reused
        outcome = services.suggestions.suggest(
            ref.case_id, user=user_id(body), tweet_id=ref.extra, status_ts=status_ts
        )
        show(respond, outcome)

    @app.action(ActionId.CATEGORY.value)
    def handle_category(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        case_id, category = card_case_id(body), selected_value(body)
        if case_id is None or category is None:
            return tell(respond, STALE_BUTTON)
        show(respond, services.routing.recategorise(case_id, category, actor=user_id(body)))
