"""Modal submissions: the draft text is checked before the modal closes, so problems show in place."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from slackbridge.models import Case, Draft
from slackbridge.services.dm_sending import reply_check
from slackbridge.slack.gateway import SlackError
from slackbridge.slack.ids import DRAFT_INPUT, REASON_INPUT, BlockId, CallbackId, decode_ref

if TYPE_CHECKING:
    from slackbridge.app import Services

logger = logging.getLogger(__name__)


def text_block(view: dict[str, Any]) -> str:
    """The reply box's block id: `draft_text`, or `draft_text:<n>` once a saved reply filled it."""
    for block in view.get("blocks") or []:
        block_id = str(block.get("block_id") or "")
        if block_id.partition(":")[0] == BlockId.DRAFT_TEXT.value:
            return block_id
    return BlockId.DRAFT_TEXT.value


def submitted_text(view: dict[str, Any]) -> str:
    try:
        value = view["state"]["values"][text_block(view)][DRAFT_INPUT]["value"]
    except (KeyError, TypeError):
        return ""
    return str(value or "").strip()


def submitted_reason(view: dict[str, Any]) -> str:
    try:
        value = view["state"]["values"][BlockId.CHANGES_REASON.value][REASON_INPUT]["value"]
    except (KeyError, TypeError):
        return ""
    return str(value or "").strip()


def register(app: App, services: Services) -> None:
    def notify(user: str, case_id: int | None, text: str) -> None:
        """Tell the writer in the case thread; modals have no response_url."""
        with services.deps.session() as session:
            case = session.get(Case, case_id) if case_id else None
            channel, thread = (case.channel_id, case.thread_ts) if case else (None, None)
        if not channel:
            return
        try:
            services.deps.slack.ephemeral(channel, user, text, thread_ts=thread)
        except SlackError:
            logger.exception("view.notice_failed")

    def refuse(ack: Ack, problem: str, view: dict[str, Any] | None = None) -> None:
        ack(response_action="errors", errors={text_block(view or {}): problem})

    @app.view(CallbackId.NEW_DRAFT.value)
    def handle_new_draft(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            ref = decode_ref(view.get("private_metadata"))
        except ValueError:
            return refuse(ack, "This window is out of date: close it and click 'Write a reply' again.")
        text = submitted_text(view)
        with services.deps.session() as session:
            check = reply_check(session, ref.case_id, text)
        if not check.ok:
            return refuse(ack, check.problem or "", view)
        ack()
        user = str(body["user"]["id"])
        if ref.case_id is None:
            return
        outcome = services.drafts.create(
            case_id=ref.case_id, author_id=user, text=text, in_reply_to=ref.extra
        )
        services.ownership.stop_writing(ref.case_id, user=user)  # the draft shows now, not the note
        if outcome.problem:
            notify(user, ref.case_id, f":warning: Draft not saved. {outcome.problem}")

    @app.view(CallbackId.EDIT_DRAFT.value)
    def handle_edit_draft(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            ref = decode_ref(view.get("private_metadata"))
        except ValueError:
            return refuse(ack, "This window is out of date: close it and click Edit again.")
        text = submitted_text(view)
        with services.deps.session() as session:
            draft = session.get(Draft, ref.draft_id) if ref.draft_id is not None else None
            check = reply_check(session, draft.case_id if draft else None, text)
        if not check.ok:
            return refuse(ack, check.problem or "")
        if ref.draft_id is None or ref.version is None:
            return refuse(ack, "This window is out of date: close it and click Edit again.")
        ack()
        user = str(body["user"]["id"])
        outcome = services.drafts.edit(ref.draft_id, editor=user, text=text, expected_version=ref.version)
        if outcome.problem:
            with services.deps.session() as session:
                draft = session.get(Draft, ref.draft_id)
                case_id = draft.case_id if draft else None
            notify(user, case_id, f":warning: Edit not saved. {outcome.problem}")

    @app.view(CallbackId.REQUEST_CHANGES.value)
    def handle_request_changes(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            ref = decode_ref(view.get("private_metadata"))
        except ValueError:
            ref = None
        reason = submitted_reason(view)
        problem = None
        if ref is None or ref.draft_id is None or ref.version is None:
            problem = "This window is out of date: close it and click again."
        elif not reason:
            problem = "Say what should change."
        if problem or ref is None or ref.draft_id is None or ref.version is None:
            ack(response_action="errors", errors={BlockId.CHANGES_REASON.value: problem or ""})
            return
        ack()
        user = str(body["user"]["id"])
        outcome = services.review.request_changes(
            ref.draft_id, user=user, reason=reason, expected_version=ref.version
        )
        if outcome.notice:
            with services.deps.session() as session:
                draft = session.get(Draft, ref.draft_id)
                case_id = draft.case_id if draft else None
            notify(user, case_id, f":warning: {outcome.notice}")
