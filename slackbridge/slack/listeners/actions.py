"""Button clicks on cards and drafts: ack at once, then call one service and show its outcome."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Respond

from slackbridge import messages
from slackbridge.ai.validate import link_cost_note
from slackbridge.models import CaseOutcome, CaseStatus
from slackbridge.services.inbox import ATTEMPT
from slackbridge.slack.blocks.modals import (
    build_edit_draft_modal,
    build_new_draft_modal,
    build_request_changes_modal,
)
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.ids import ActionId, decode_ref
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
from slackbridge.text import check_tweet_text

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
        writing = services.ownership.writer(ref.case_id, user=user_id(body))
        saved = [(line.id, line.title) for line in services.saved.active()]
        modal = build_new_draft_modal(
            ref.case_id, target.tweet_id, target.text, target.username, writing=writing, saved=saved
        )
        try:
            services.deps.slack.open_view(body["trigger_id"], modal)  # first: its trigger lasts 3 s
        except SlackError:
            tell(
                respond,
                "Slack did not open the reply window in time; click again, "
                "or write `reply: …` in the thread.",
            )
            return
        services.ownership.start_writing(ref.case_id, user=user_id(body))  # the card says who is writing

    @app.action(ActionId.SAVED_REPLY.value)
    def handle_saved_reply(ack: Ack, body: dict[str, Any]) -> None:
        """A saved reply picked in the reply window fills its box, filled in and checked for this case."""
        ack()
        view = body.get("view") or {}
        picked = selected_value(body)
        try:
            ref = decode_ref(view.get("private_metadata"))
        except ValueError:
            return
        if ref.case_id is None or picked is None or not picked.isdigit() or len(picked) > 9:
            return
        target = services.drafts.reply_target(ref.case_id, ref.extra)
        text = services.saved.filled(int(picked), ref.case_id)
        if target is None or text is None:
            return
        check = check_tweet_text(text)
        remark = check.problem or f"{check.length}/{check.limit} characters as X counts them."
        remark = " ".join(r for r in (remark, link_cost_note(text)) if r)
        saved = [(line.id, line.title) for line in services.saved.active()]
        modal = build_new_draft_modal(
            ref.case_id,
            target.tweet_id,
            target.text,
            target.username,
            saved=saved,
            filled=(int(picked), text, remark),
        )
        try:
            services.deps.slack.update_view(str(view.get("id")), modal)
        except SlackError:
            logger.exception("saved_reply.fill_failed")

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

    @app.action(ActionId.FOLLOW_UP.value)
    def handle_follow_up(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.draft_id is None or ref.version is None:
            return tell(respond, STALE_BUTTON)
        outcome = services.review.send_as_followup(
            ref.draft_id, user=user_id(body), expected_version=ref.version
        )
        show(respond, outcome)

    @app.action(ActionId.REQUEST_CHANGES.value)
    def handle_request_changes(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        ref = action_ref(body)
        if ref is None or ref.draft_id is None or ref.version is None:
            return tell(respond, STALE_BUTTON)
        if not services.review.may_review(user_id(body)):
            return tell(respond, messages.APPROVERS_ONLY_REVIEW)
        try:
            services.deps.slack.open_view(
                body["trigger_id"], build_request_changes_modal(ref.draft_id, ref.version)
            )
        except SlackError:
            tell(respond, "Slack did not open the window in time; please click Request changes again.")

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
