"""Sending an approved draft of a DM case as a direct message, finding one whose answer was lost, and
saying in plain words why X refused one."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from slackbridge.models import Case, Draft, TweetSource
from slackbridge.services.deps import Deps
from slackbridge.services.dm_rules import DM_TEXT_LIMIT, is_dm, is_group_dm
from slackbridge.services.ingest import count_usage
from slackbridge.text import TextCheck, check_tweet_text
from slackbridge.x.types import PostedTweet, XError, XErrorKind

logger = logging.getLogger(__name__)

RECONCILE_SLACK = timedelta(minutes=2)
DM_PERMISSION = (
    "X refused: the access token has no Direct Message permission. In the X developer portal set the app's "
    "permissions to \u201cRead, write and Direct Messages\u201d, then regenerate the access token and secret "
    "(X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET) and restart slackbridge. Nothing was sent."
)
GROUP_READ_ONLY = "This is a group conversation: slackbridge shows it read-only. Answer it in X's app."


def check_dm_text(text: str) -> TextCheck:
    """X's DM limit is 10,000 characters, counted plainly (no weighting, no t.co)."""
    if not text.strip():
        return TextCheck(0, DM_TEXT_LIMIT, "The reply is empty: write something to send.")
    length = len(text)
    if length > DM_TEXT_LIMIT:
        over = length - DM_TEXT_LIMIT
        return TextCheck(
            length, DM_TEXT_LIMIT, f"The DM is {length}/{DM_TEXT_LIMIT} characters: shorten it by {over}."
        )
    return TextCheck(length, DM_TEXT_LIMIT, None)


def reply_check(session: Session, case_id: int | None, text: str) -> TextCheck:
    """The limit that applies to a reply in this case: a DM's, or a post's."""
    case = session.get(Case, case_id) if case_id is not None else None
    return check_dm_text(text) if is_dm(case) else check_tweet_text(text)


def sent_fields(case: Case) -> dict[str, Any]:
    """How a sent reply is stored: ours; for a DM, a DM of ours (never sent to X's post checks) shown
    already (its draft's message says it was sent), so the thread does not show it twice."""
    if not is_dm(case):
        return {"source": TweetSource.OURS}
    return {"source": TweetSource.DM_OURS, "slack_channel": "", "slack_ts": ""}


def dm_case_of(session: Session, draft: Draft) -> Case | None:
    case = session.get(Case, draft.case_id)
    return case if is_dm(case) else None


def describe_dm_error(error: XError, *, brand: str | None) -> str:
    """X's refusal of a DM in plain words, with what to do next."""
    details = " ".join([error.message, *error.details]).lower()
    if error.kind == XErrorKind.AUTH or (error.kind == XErrorKind.NOT_ALLOWED and "permission" in details):
        return DM_PERMISSION
    if error.kind == XErrorKind.NOT_ALLOWED:
        return (
            f"The customer does not accept direct messages from @{brand or 'the brand'} (their privacy "
            "settings, or they blocked the account). Nothing was sent; retrying will not change that."
        )
    if error.kind == XErrorKind.RATE_LIMITED:
        when = error.retry_at.strftime("%H:%M UTC") if error.retry_at else "a few minutes"
        return (
            "X's limit for direct messages was reached (15 per 15 minutes and 1,440 a day for one "
            f"account). Nothing was sent: retry after {when}."
        )
    if error.kind == XErrorKind.BAD_REQUEST:
        return f"X refused the DM as malformed: {error.message}"
    if error.kind == XErrorKind.NOT_FOUND:
        return "X no longer knows this conversation or the customer's account. Nothing was sent."
    if error.ambiguous:
        return (
            "X did not confirm the DM (server error or timeout). Retry: slackbridge checks the "
            "conversation first, so it is never sent twice."
        )
    return "X could not be reached (server error or timeout). Nothing was sent: retry in a moment."


def no_retry(error: XError) -> bool:
    """A refusal no retry can change (X's reply rule, a deleted post, a bad request, DMs closed to us):
    the draft offers Edit and Discard, and Continue in DM on a public case when DMs are set up."""
    return not retry_can_succeed(error)


def retry_can_succeed(error: XError) -> bool:
    """Retry is offered only where trying again can work: not for a refusal that stays a refusal."""
    if error.ambiguous:
        return True
    return error.kind not in (XErrorKind.NOT_ALLOWED, XErrorKind.NOT_FOUND, XErrorKind.BAD_REQUEST)


class DmSending:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def post(self, draft: Draft, case: Case) -> PostedTweet:
        """Send the approved text by DM; our dataclass for 'posted' carries the DM event id."""
        if is_group_dm(case):
            raise XError(XErrorKind.NOT_ALLOWED, GROUP_READ_ONLY, 403)
        sent = self.deps.x.send_dm(draft.text, participant_id=case.customer_id)
        return PostedTweet(id=sent.event_id, text=draft.text)

    def find(self, draft: Draft, case: Case) -> PostedTweet | None:
        """Did an unconfirmed DM reach the customer? Our messages in the conversation since the first
        attempt, not yet recorded for another draft, with the same text."""
        first = draft.first_attempt_at or draft.approved_at or draft.updated_at
        page = self.deps.x.dm_events_with(case.customer_id)
        if page.events:
            with self.deps.session() as session:
                count_usage(session, "dm_read", reads=len(page.events))
        brand_id = self.deps.brand().id
        candidates = [
            e
            for e in page.events
            if e.sender_id == brand_id and e.created_at >= first - RECONCILE_SLACK and e.text == draft.text
        ]
        if not candidates:
            return None
        with self.deps.session() as session:
            ids = [e.id for e in candidates]
            known = set(session.exec(select(Draft.sent_tweet_id).where(col(Draft.sent_tweet_id).in_(ids))))
        fresh = [e for e in candidates if e.id not in known]
        if not fresh:
            return None
        found = min(fresh, key=lambda e: int(e.id))
        return PostedTweet(id=found.id, text=found.text)
