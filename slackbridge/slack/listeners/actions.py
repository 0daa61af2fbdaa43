"""Button clicks on cards and drafts: ack at once, then call one service and show its outcome."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Respond

from slackbridge import messages
from slackbridge.models import CaseOutcome, CaseStatus
from slackbridge.services.inbox import ATTEMPT
from slackbridge.slack.blocks.modals import build_edit_draft_modal, build_new_draft_modal
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.ids import ActionId
from slackbridge.slack.listeners.ai_actions import card_case_id
from slackbridge.slack.listeners.common import (
    STALE_BUTTON,
    action_ref,
    from_home,
    selected_value,
    show,
    tell,
    user_id,
)

if TYPE_CHECKING:
    from slackbridge.app import Services

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.action(ActionId.WRITE_REPLY.value)
    def handle_write_reply(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.case_id is None:
            return tell(respond, STALE_BUTTON)
        target = services.drafts.reply_target(ref.case_id, ref.extra)
        if target is None:
            return tell(respond, messages.CASE_GONE)
        modal = build_new_draft_modal(ref.case_id, target.tweet_id, target.text, target.username)
        try:
            services.deps.slack.open_view(body["trigger_id"], modal)
        except SlackError:
            tell(
                respond,
                "Slack did not open the reply window in time; click again, "
                "or write `reply: …` in the thread.",
            )

    @app.action(ActionId.EDIT.value)
    def handle_edit(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.draft_id is None:
            return tell(respond, STALE_BUTTON)
        current = services.drafts.view(ref.draft_id)
        if current is None:
            return tell(respond, messages.DRAFT_GONE)
        modal = build_edit_draft_modal(ref.draft_id, current.version, current.text)
        try:
            services.deps.slack.open_view(body["trigger_id"], modal)
        except SlackError:
            tell(respond, "Slack did not open the edit window in time; please click Edit again.")

    @app.action(ActionId.DISCARD.value)
    def handle_discard(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.draft_id is None:
            return tell(respond, STALE_BUTTON)
        show(respond, services.drafts.discard(ref.draft_id, user=user_id(body)))

    def approve(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.draft_id is None or ref.version is None:
            return tell(respond, STALE_BUTTON)
        user = user_id(body)
        redelivered = int(context.get(ATTEMPT) or 1) > 1  # its first handler died: finish what it began
        outcome = services.approval.approve(
            ref.draft_id, user=user, expected_version=ref.version, redelivered=redelivered
        )
        if outcome.notice and from_home(body):
            services.home.publish(user, notice=outcome.notice)  # Home-tab clicks have no response_url
        else:
            show(respond, outcome)

    app.action(ActionId.APPROVE.value)(approve)
    app.action(ActionId.RETRY.value)(approve)

    @app.action(ActionId.RESOLVE.value)
    def handle_resolve(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.case_id is None:
            return tell(respond, STALE_BUTTON)
        show(respond, services.cases.set_status(ref.case_id, CaseStatus.RESOLVED, actor=user_id(body)))

    @app.action(ActionId.RESOLVE_AS.value)
    def handle_resolve_as(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        case_id, picked = card_case_id(body), selected_value(body)
        if case_id is None or picked not in set(CaseOutcome):
            return tell(respond, STALE_BUTTON)
        outcome = CaseOutcome(picked)
        show(
            respond,
            services.cases.set_status(case_id, CaseStatus.RESOLVED, actor=user_id(body), outcome=outcome),
        )

    @app.action(ActionId.REOPEN.value)
    def handle_reopen(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.case_id is None:
            return tell(respond, STALE_BUTTON)
        show(respond, services.cases.set_status(ref.case_id, CaseStatus.OPEN, actor=user_id(body)))

    @app.action(ActionId.OPEN_ON_X.value)
    def handle_open_on_x(ack: Ack) -> None:
        ack()  # a link button: the browser opens X; Slack still expects the acknowledgement
