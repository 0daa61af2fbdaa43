"""Ownership buttons and picker, Track, and the App Home tab: ack, one service call, show the outcome."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

from slackbridge.slack.gateway import SlackError
from slackbridge.slack.ids import ActionId, decode_owner_block
from slackbridge.slack.listeners.common import STALE_BUTTON, action_ref, channel_id, user_id

if TYPE_CHECKING:
    from slackbridge.app import Services

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def tell(body: dict[str, Any], respond: Respond, text: str) -> None:
        """Ephemeral to the clicker: via response_url, else chat.postEphemeral in the channel."""
        try:
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        except Exception:
            logger.info("casework.respond_unavailable")
        channel = channel_id(body)
        if channel:
            try:
                services.deps.slack.ephemeral(channel, user_id(body), text)
            except SlackError:
                logger.exception("casework.notice_failed")

    @app.action(ActionId.ASSIGN.value)
    def handle_assign(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.case_id is None:
            return tell(body, respond, STALE_BUTTON)
        outcome = services.ownership.assign(ref.case_id, user=user_id(body))
        if outcome.notice:
            tell(body, respond, outcome.notice)

    @app.action(ActionId.ASSIGN_TO.value)
    def handle_assign_to(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        action = (body.get("actions") or [{}])[0]
        target, picked = decode_owner_block(action.get("block_id")), action.get("selected_user")
        if target is None or not isinstance(picked, str) or not picked:
            return tell(body, respond, STALE_BUTTON)
        case_id, seen = target
        outcome = services.ownership.assign_to(case_id, picked, seen=seen, actor=user_id(body))
        if outcome.notice:
            tell(body, respond, outcome.notice)

    @app.action(ActionId.UNASSIGN.value)
    @app.action(ActionId.TAKE_OVER.value)
    def handle_owner_change(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.case_id is None or not ref.extra:
            return tell(body, respond, STALE_BUTTON)
        change = services.ownership.take_over
        if body["actions"][0].get("action_id") == ActionId.UNASSIGN.value:
            change = services.ownership.unassign
        outcome = change(ref.case_id, seen=ref.extra, actor=user_id(body))
        if outcome.notice:
            tell(body, respond, outcome.notice)

    @app.action(ActionId.TRACK.value)
    def handle_track(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or (ref.case_id is None and not ref.extra):
            return tell(body, respond, STALE_BUTTON)
        me = user_id(body)
        if ref.case_id is not None:
            outcome = services.casework.track_case(ref.case_id, user=me)
        else:
            assert ref.extra is not None
            outcome = services.casework.track(ref.extra, user=me)
        if outcome.notice:
            tell(body, respond, outcome.notice)

    @app.action(ActionId.HOME_REFRESH.value)
    def handle_home_refresh(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        services.home.publish(user_id(body))

    @app.event("app_home_opened")
    def handle_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return  # the Messages tab needs no view
        services.home.publish(str(event["user"]))
