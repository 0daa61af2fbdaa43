"""Draft messages in a case's thread: posted once (with the lost-answer guard), re-rendered newest-wins."""

from __future__ import annotations

import logging

from sqlmodel import Session, col, update

from slackbridge.models import Case, Customer, Draft, SlackSurface, Tweet, utcnow
from slackbridge.services.deps import Deps
from slackbridge.slack.blocks.draft import DraftView, build_draft_message, draft_fallback
from slackbridge.slack.surfaces.base import ATTEMPT_SLACK, Message, SurfaceStore, parse_key
from slackbridge.slack.surfaces.guard import find_earlier

logger = logging.getLogger(__name__)


def draft_view(deps: Deps, session: Session, draft: Draft) -> DraftView:
    assert draft.id is not None
    target = session.get(Tweet, draft.in_reply_to_tweet_id)
    customer = session.get(Customer, target.author_id) if target else None
    return DraftView(
        id=draft.id,
        text=draft.text,
        length=draft.length,
        status=draft.status,
        version=draft.version,
        author_id=draft.author_id,
        origin=draft.origin,
        ai_model=draft.ai_model,
        notes=draft.notes,
        edited_by=draft.edited_by,
        approver_id=draft.approver_id,
        sent_tweet_id=draft.sent_tweet_id,
        brand_username=deps.brand_username(),
        customer_username=customer.username if customer else None,
        last_error=draft.last_error,
        retryable=draft.retryable,
    )


def draft_message(view: DraftView) -> Message:
    return Message(draft_fallback(view), build_draft_message(view))


class DraftMessages:
    def __init__(self, deps: Deps, store: SurfaceStore) -> None:
        self.deps = deps
        self.store = store

    def view(self, draft_id: int) -> DraftView | None:
        with self.deps.session() as session:
            draft = session.get(Draft, draft_id)
            return draft_view(self.deps, session, draft) if draft is not None else None

    def render(self, key: str) -> bool:
        """Post the draft's message the first time (once), then keep it showing the draft's state."""
        draft_id = int(parse_key(key)[1])
        with self.deps.session() as session:
            draft = session.get(Draft, draft_id)
            if draft is None:
                return True
            message = draft_message(draft_view(self.deps, session, draft))
            channel, ts = draft.slack_channel, draft.slack_ts
            case = session.get(Case, draft.case_id)
            thread = (case.channel_id, case.thread_ts) if case is not None else (None, None)
            since = draft.created_at.timestamp() - ATTEMPT_SLACK
        if channel and ts:
            self.deps.slack.update(channel, ts, message.text, message.blocks)
            return True
        channel, thread_ts = thread
        if not channel or not thread_ts:
            return False  # the case's card is not in Slack yet: shown by a later round
        found = None
        if self._attempted(key, channel):
            found = find_earlier(self.deps.slack, [channel], key, since=since, thread_ts=thread_ts)
        if found is not None:
            ts = found[1]
            self.deps.slack.update(channel, ts, message.text, message.blocks)  # it shows an older state
        else:
            ts = self.deps.slack.post(
                channel, message.text, message.blocks, thread_ts=thread_ts, post_key=key
            )
        with self.deps.session() as session:
            session.execute(
                update(Draft).where(col(Draft.id) == draft_id).values(slack_channel=channel, slack_ts=ts)
            )
            session.execute(update(SlackSurface).where(col(SlackSurface.key) == key).values(ts=ts))
        return True

    def _attempted(self, key: str, channel: str) -> bool:
        """Note the attempt in the surface's row; True when an earlier attempt's outcome is unknown."""
        with self.deps.session() as session:
            row = session.get(SlackSurface, key)
            if row is not None and row.channel == channel and row.ts is None:
                return True
            session.execute(
                update(SlackSurface)
                .where(col(SlackSurface.key) == key)
                .values(channel=channel, ts=None, updated_at=utcnow())
            )
        return False
