"""Continue in DM: the button opens the first-DM window; its submission stores the draft."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

from slackbridge import messages
from slackbridge.services.dm_sending import check_dm_text
from slackbridge.slack.blocks.dm import build_first_dm_modal
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.ids import ActionId, BlockId, CallbackId, decode_ref
from slackbridge.slack.listeners.common import STALE_BUTTON, action_ref, tell
from slackbridge.slack.listeners.views import submitted_text

if TYPE_CHECKING:
    from slackbridge.app import Services

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.action(ActionId.CONTINUE_IN_DM.value)
    def handle_continue_in_dm(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.case_id is None:
            return tell(respond, STALE_BUTTON)
        username = services.continue_dm.customer(ref.case_id)
        if username is None:
            return tell(respond, messages.CASE_GONE)
        try:
            services.deps.slack.open_view(body["trigger_id"], build_first_dm_modal(ref.case_id, username))
        except SlackError:
            tell(respond, "Slack did not open the window in time; click Continue in DM again.")

    @app.view(CallbackId.FIRST_DM.value)
    def handle_first_dm(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        field = BlockId.DRAFT_TEXT.value
        try:
            ref = decode_ref(view.get("private_metadata"))
        except ValueError:
            ack(response_action="errors", errors={field: "This window is out of date."})
            return
        text = submitted_text(view)
        check = check_dm_text(text)
        if not check.ok:
            ack(response_action="errors", errors={field: check.problem or ""})
            return
        ack()
        if ref.case_id is None:
            return
        user = str(body["user"]["id"])
        outcome = services.continue_dm.start(ref.case_id, author=user, text=text)
        if outcome.problem:
            logger.info("dms.first_dm_refused case=%s", ref.case_id)
            services.dms.tell(ref.case_id, user, f":warning: DM draft not saved. {outcome.problem}")
