"""The snooze menu on a card and the custom snooze modal: ack, one service call, show the outcome."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

from slackbridge.models import utcnow
from slackbridge.slack.blocks.sla import SNOOZE_CUSTOM, SNOOZE_INPUT, UNSNOOZE, build_snooze_modal
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.ids import ActionId, BlockId, CallbackId, decode_ref
from slackbridge.slack.listeners.common import STALE_BUTTON, action_ref, show, tell, user_id

if TYPE_CHECKING:
    from slackbridge.app import Services

logger = logging.getLogger(__name__)


def picked_time(view: dict[str, Any]) -> datetime | None:
    """The datetimepicker's answer (Unix seconds), or None when missing or malformed."""
    try:
        value = view["state"]["values"][BlockId.SNOOZE_UNTIL.value][SNOOZE_INPUT]["selected_date_time"]
        return datetime.fromtimestamp(int(value), UTC)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def register(app: App, services: Services) -> None:
    @app.action(ActionId.SNOOZE.value)
    def handle_snooze(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.case_id is None or not ref.extra:
            return tell(respond, STALE_BUTTON)
        user = user_id(body)
        if ref.extra == UNSNOOZE:
            return show(respond, services.snooze.unsnooze(ref.case_id, user=user))
        if ref.extra == SNOOZE_CUSTOM:
            modal = build_snooze_modal(ref.case_id, utcnow() + timedelta(hours=2))
            try:
                services.deps.slack.open_view(body["trigger_id"], modal)
            except SlackError:
                tell(respond, "Slack did not open the snooze window in time; please pick it again.")
            return
        until = services.snooze.until_for(ref.extra)
        if until is None:
            return tell(respond, STALE_BUTTON)
        show(respond, services.snooze.snooze(ref.case_id, until, user=user))

    @app.view(CallbackId.SNOOZE.value)
    def handle_snooze_view(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            ref = decode_ref(view.get("private_metadata"))
        except ValueError:
            ref = None
        until = picked_time(view)
        if ref is None or ref.case_id is None or until is None:
            ack(response_action="errors", errors={BlockId.SNOOZE_UNTIL.value: "Pick a date and time."})
            return
        outcome = services.snooze.snooze(ref.case_id, until, user=str(body["user"]["id"]))
        if not outcome.ok:
            ack(response_action="errors", errors={BlockId.SNOOZE_UNTIL.value: outcome.notice or ""})
            return
        ack()
