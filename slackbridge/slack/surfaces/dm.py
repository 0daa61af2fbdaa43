"""The one-line pointer in a public case's thread saying the case continues in the private DM channel.

It names the DM channel and the case number only: never a word of the DM itself."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, update

from slackbridge.models import Case, Draft, SlackSurface, Tweet, utcnow
from slackbridge.services.deps import Deps
from slackbridge.services.dm_rules import DM_TEXT_LIMIT, OUR_SOURCES, is_dm, is_group_dm
from slackbridge.slack.blocks.card import CardView, TweetView
from slackbridge.slack.blocks.dm import (
    DmInfo,
    build_dm_card,
    build_dm_followup,
    build_dm_pointer,
    dm_fallback_text,
    dm_followup_text,
    dm_pointer_text,
)
from slackbridge.slack.surfaces.base import ATTEMPT_SLACK, Message, SurfaceStore, parse_key
from slackbridge.slack.surfaces.guard import find_earlier
from slackbridge.text import TWEET_LIMIT


def dmlink_key(public_case_id: int) -> str:
    return f"dmlink:{public_case_id}"


class DmPointers:
    def __init__(self, deps: Deps, store: SurfaceStore) -> None:
        self.deps = deps
        self.store = store

    def render(self, key: str) -> bool:
        """Post the pointer once in the public thread (found again if Slack's answer was lost)."""
        case_id = int(parse_key(key)[1])
        dm_channel = self.deps.settings.dm_channel
        with self.deps.session() as session:
            case = session.get(Case, case_id)
            row = session.get(SlackSurface, key)
            if case is None or case.linked_case_id is None or not dm_channel:
                return True
            if not case.channel_id or not case.thread_ts:
                return False  # the public card is not in Slack yet
            channel, thread_ts = case.channel_id, case.thread_ts
            shown = row is not None and row.ts is not None
            attempted = row is not None and row.channel == channel
            if row is not None and not attempted:
                row.channel, row.updated_at = channel, utcnow()
                session.add(row)
            since = (row.updated_at if row else utcnow()).timestamp() - ATTEMPT_SLACK
        if shown:
            return True
        text, blocks = dm_pointer_text(dm_channel), build_dm_pointer(dm_channel)
        found = None
        if attempted:
            found = find_earlier(self.deps.slack, [channel], key, since=since, thread_ts=thread_ts)
        if found is not None:
            ts = found[1]
        else:
            ts = self.deps.slack.post(channel, text, blocks, thread_ts=thread_ts, post_key=key)
        with self.deps.session() as session:
            session.execute(update(SlackSurface).where(col(SlackSurface.key) == key).values(ts=ts))
        return True


def dm_info(session: Session, case: Case) -> DmInfo | None:
    """What a DM case's card and thread show about the conversation; None for a public case."""
    if not is_dm(case):
        return None
    return DmInfo(
        dm_conversation_id=case.dm_conversation_id or "",
        group=is_group_dm(case),
        continues_case=case.linked_case_id,
        csat_score=case.csat_score,
    )


def dm_card_message(view: CardView, dm: DmInfo) -> Message:
    return Message(dm_fallback_text(view), build_dm_card(view, dm))


def dm_followup_message(case_id: int, tweet: Tweet, view: TweetView, dm: DmInfo) -> Message:
    ours = tweet.source in OUR_SOURCES
    return Message(dm_followup_text(view, ours=ours), build_dm_followup(case_id, view, dm, ours=ours))


def dm_draft_fields(deps: Deps, session: Session, draft: Draft) -> dict[str, Any]:
    """What a draft's message shows differently for DMs: the DM limit, no Retry after a lasting
    refusal, and Continue in DM when X refused a public reply under its reply rule."""
    case = session.get(Case, draft.case_id)
    dm = is_dm(case)
    return {
        "dm": dm,
        "limit": DM_TEXT_LIMIT if dm else TWEET_LIMIT,
        "retry": not draft.no_retry,
        "continue_in_dm": bool(draft.no_retry and not dm and deps.settings.dm_channel),
        "case_id": draft.case_id,
    }
